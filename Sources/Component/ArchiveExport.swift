import Foundation
import MUC
import RoomStore
import XMLStream
import XMPPCore

/// `muc-component archive export`: one room's archive as an XML document, for an operator who
/// must hand a room's history over (a move, a legal request) or keep it outside the database.
///
/// The document is `<archive xmlns='urn:muc-component:archive:1' room='…' exported='…'>` holding,
/// in archive order, one XEP-0313 `<result id='…'>` per message exactly as the room answers a query
/// from someone allowed to see real JIDs: `<forwarded>` with the receipt time and the message
/// from the sender's occupant JID, with its occupant id and the sender's bare JID in a `muc#user`
/// item. Moderated messages appear as their tombstones. It is written page by page, so memory does
/// not grow with the archive.
public enum ArchiveExport {
    /// The export document's namespace.
    public static let namespace = "urn:muc-component:archive:1"

    /// Writes `room`'s archive through `write` (called with pieces of the document); returns the
    /// number of messages written and of stored stanzas that could not be read back (left out).
    public static func export(_ room: BareJID, from store: any ArchiveStore, now: Double = Date().timeIntervalSince1970,
                              pageSize: Int = 1_000, write: (String) throws -> Void) async throws -> (written: Int, unreadable: Int) {
        let roomAddress = room.description
        var head = "<?xml version='1.0' encoding='UTF-8'?>\n<archive xmlns='" + namespace + "' room='"
        var escaped: [UInt8] = []
        Serializer.appendEscaped(roomAddress, &escaped, attribute: true)
        head += String(decoding: escaped, as: UTF8.self) + "' exported='" + Timestamp.format(now) + "'>\n"
        try write(head)
        var written = 0
        var unreadable = 0
        var page = ArchiveQuery.Page.first
        while let read = try await store.query(ArchiveQuery(room: room, page: page, max: max(1, pageSize))),
              let last = read.messages.last {
            var chunk = ""
            for m in read.messages {
                guard let result = m.archiveResult(roomAddress: roomAddress, queryID: nil, showsRealJIDs: true, parse: {
                    try? XMLStreamParser.parseFragment($0, defaultNamespace: NS.client).first
                }) else {
                    unreadable += 1
                    continue
                }
                chunk += Serializer.string(result, parentNamespace: namespace)
                chunk += "\n"
                written += 1
            }
            try write(chunk)
            if read.complete { break }
            page = .after(last.id)
        }
        try write("</archive>\n")
        return (written, unreadable)
    }
}
