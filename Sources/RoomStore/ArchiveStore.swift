import MUC
import XMPPCore

/// Where rooms' message archives live (XEP-0313 on room JIDs), beside the room records: each
/// backend keeps them in the same database as its rooms, in their own table. Messages keep the
/// order they were appended in; every query stays on one room and uses an index that starts with
/// the room, so its cost does not grow with the archive.
///
/// Each method is one transaction. Failures are thrown as ``RoomStoreError``.
public protocol ArchiveStore: Sendable {
    /// Appends messages (of any rooms) in one transaction, in the order given: many messages per
    /// commit, so that durability does not cost a commit per message. An id a room has already
    /// archived is refused (`.invalidRecord`) and nothing of the batch is stored.
    func append(_ messages: [ArchivedMessage]) async throws
    /// One page of a room's archive, or nil when the page's `after`/`before` id is not in that
    /// room's archive (the requester gets `item-not-found`).
    func query(_ query: ArchiveQuery) async throws -> ArchivePage?
    /// Replaces the stored stanza of one message (a moderation tombstone); false when the room
    /// has no message with that id.
    func replace(room: BareJID, id: String, stanza: String) async throws -> Bool
    /// Deletes a room's whole archive (the room was destroyed).
    func deleteArchive(of room: BareJID) async throws
    /// Deletes at most `limit` of the oldest messages received before `time` (retention, in small
    /// batches that never hold the database for long); returns how many went.
    func expire(before time: Double, limit: Int) async throws -> Int
    /// Messages in a room's archive.
    func archiveCount(of room: BareJID) async throws -> Int
}

extension ArchiveQuery {
    /// Whether the page is read newest first (`before` an id, or the last page).
    public var readsBackwards: Bool {
        switch page {
        case .first, .after: return false
        case .before, .last: return true
        }
    }
}

extension ArchivePage {
    /// The page made from what a backend read in the direction of paging: at most `max + 1`
    /// messages past the anchor (newest first when `readsBackwards`). The extra one only says the
    /// page is not the last one; the page itself is oldest first.
    public init(read: [ArchivedMessage], for query: ArchiveQuery, count: Int?) {
        var messages = Array(read.prefix(query.max))
        if query.readsBackwards { messages.reverse() }
        self.init(messages: messages, complete: read.count <= query.max, count: count)
    }
}
