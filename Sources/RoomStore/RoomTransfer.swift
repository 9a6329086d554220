import MUC
import XMPPCore

/// Copies every room from one store to another (moving between backends, export/import).
/// Reads in JID order page by page, so memory stays bounded by `batchSize` records; each batch is
/// written in one transaction with `saveAll`. Rooms already in the target with the same JID are
/// replaced. Returns the number of rooms copied.
public func copyRooms(from source: any RoomStore, to target: any RoomStore, batchSize: Int = 500) async throws -> Int {
    let size = max(1, batchSize)
    var cursor: BareJID? = nil
    var copied = 0
    while true {
        let page = try await source.list(after: cursor, limit: size, publicOnly: false)
        guard let last = page.last else { break }
        var batch: [RoomRecord] = []
        batch.reserveCapacity(page.count)
        for summary in page {
            // A room deleted between listing and loading is simply skipped.
            if let record = try await source.load(summary.jid) { batch.append(record) }
        }
        try await target.saveAll(batch)
        copied += batch.count
        cursor = last.jid
        if page.count < size { break }
    }
    return copied
}
