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
    /// Deletes at most `limit` of a room's oldest messages beyond its newest `keeping` (the
    /// per-room bound, `[archive] max_messages_per_room`); returns how many went.
    func trim(room: BareJID, keeping: Int, limit: Int) async throws -> Int
    /// Rooms that have archived messages, in JID order (byte order, as rooms are listed), after
    /// `after`, at most `limit`: the retention job's first pass and the operator's listing.
    func archivedRooms(after: BareJID?, limit: Int) async throws -> [BareJID]
    /// How large one room's archive is, or the whole archive's when `room` is nil.
    func archiveSize(of room: BareJID?) async throws -> ArchiveSize
}

/// How large an archive is: what `muc-component archive size` prints.
public struct ArchiveSize: Sendable, Equatable {
    /// Messages stored.
    public var messages: Int
    /// Bytes of the stored stanzas (UTF-8), without the index and row overhead of the database.
    public var stanzaBytes: Int
    /// Receipt time of the oldest and the newest message (seconds since 1970), nil when empty.
    public var oldest: Double?
    public var newest: Double?

    public init(messages: Int = 0, stanzaBytes: Int = 0, oldest: Double? = nil, newest: Double? = nil) {
        self.messages = messages
        self.stanzaBytes = stanzaBytes
        self.oldest = oldest
        self.newest = newest
    }
}
