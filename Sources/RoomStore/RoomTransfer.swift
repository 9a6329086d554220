import MUC
import XMPPCore

/// Copies every room, with its message archive, from one store to another (moving between
/// backends, export/import). Reads in JID order page by page, so memory stays bounded by
/// `batchSize` records; each batch is written in one transaction with `saveAll`, then each room's
/// archive in pages of `archivePage` messages (ids, times and order kept). Rooms already in the
/// target with the same JID are replaced, their archives too. Returns the number of rooms copied.
public func copyRooms(from source: any RoomStore, to target: any RoomStore, batchSize: Int = 500,
                      archivePage: Int = 2_000) async throws -> Int {
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
        for record in batch { try await copyArchive(of: record.jid, from: source, to: target, pageSize: archivePage) }
        copied += batch.count
        cursor = last.jid
        if page.count < size { break }
    }
    return copied
}

/// Replaces the target's archive of `room` by the source's, page by page in archive order.
public func copyArchive(of room: BareJID, from source: any ArchiveStore, to target: any ArchiveStore,
                        pageSize: Int = 2_000) async throws {
    try await target.deleteArchive(of: room)
    var page = ArchiveQuery.Page.first
    while let read = try await source.query(ArchiveQuery(room: room, page: page, max: max(1, pageSize))),
          let last = read.messages.last {
        try await target.append(read.messages)
        if read.complete { break }
        page = .after(last.id)
    }
}
