import XMPPCore

/// One message of a room's archive (XEP-0313 on the room's JID): what the occupants received.
public struct ArchivedMessage: Sendable, Equatable {
    public var room: BareJID
    /// The room's XEP-0359 stanza id, which the occupants received: the archive id.
    public var id: String
    /// When the room received it, in seconds since 1970.
    public var time: Double
    /// The sender's nick (the message came from `room@service/nick`).
    public var nick: String
    /// The sender's real bare JID: what `with` filters on, for requesters allowed to see it.
    public var sender: BareJID
    /// The sender's XEP-0421 occupant id.
    public var occupantID: String
    /// The message as reflected, serialized (without `to`).
    public var stanza: String

    public init(room: BareJID, id: String, time: Double, nick: String, sender: BareJID, occupantID: String, stanza: String) {
        self.room = room
        self.id = id
        self.time = time
        self.nick = nick
        self.sender = sender
        self.occupantID = occupantID
        self.stanza = stanza
    }
}

/// A query on one room's archive: filters (XEP-0313 §4.1) and a page (XEP-0059).
public struct ArchiveQuery: Sendable, Equatable {
    /// Where the page is taken from, in archive order.
    public enum Page: Sendable, Equatable {
        /// The oldest messages.
        case first
        /// The messages right after this id.
        case after(String)
        /// The messages right before this id.
        case before(String)
        /// The newest messages (an empty `<before/>`).
        case last
    }

    public var room: BareJID
    /// Only messages received at or after this time.
    public var start: Double?
    /// Only messages received at or before this time.
    public var end: Double?
    /// Only messages from this real bare JID.
    public var with: BareJID?
    public var page: Page
    /// Most messages in the page (0: none, only whether there are any and the count).
    public var max: Int
    /// Whether to count every message the filters match.
    public var wantsCount: Bool

    public init(room: BareJID, start: Double? = nil, end: Double? = nil, with: BareJID? = nil, page: Page = .first,
                max: Int, wantsCount: Bool = false) {
        self.room = room
        self.start = start
        self.end = end
        self.with = with
        self.page = page
        self.max = max
        self.wantsCount = wantsCount
    }

    /// Whether a message passes the filters.
    public func matches(_ m: ArchivedMessage) -> Bool {
        m.room == room && start.map { m.time >= $0 } ?? true && end.map { m.time <= $0 } ?? true
            && with.map { m.sender == $0 } ?? true
    }
}

/// One page of an archive query.
public struct ArchivePage: Sendable, Equatable {
    /// Oldest first, whichever way the page was taken.
    public var messages: [ArchivedMessage]
    /// Whether no message matching the filters lies beyond the page in the direction of paging
    /// (after it for `.first` and `.after`, before it for `.before` and `.last`): XEP-0313's
    /// `<fin complete='true'/>`.
    public var complete: Bool
    /// Messages matching the filters, when asked for.
    public var count: Int?

    public init(messages: [ArchivedMessage], complete: Bool, count: Int?) {
        self.messages = messages
        self.complete = complete
        self.count = count
    }
}

/// One write to a room's archive: a message to append and, for a moderation, the tombstone that
/// replaces the moderated message (XEP-0425 §tombstones), both in one write.
public struct ArchiveWrite: Sendable, Equatable {
    public var message: ArchivedMessage
    public var tombstone: Tombstone?

    public init(message: ArchivedMessage, tombstone: Tombstone? = nil) {
        self.message = message
        self.tombstone = tombstone
    }
}

/// What replaces a moderated message in the archive.
public struct Tombstone: Sendable, Equatable {
    /// The archive id (stanza id) of the moderated message.
    public var id: String
    /// The stored stanza that replaces it.
    public var stanza: String
    /// Whether the write fails (``ArchiveOutcome/missing``, nothing written) when the archive does
    /// not hold that message: the room knows it only from the archive.
    public var mustExist: Bool

    public init(id: String, stanza: String, mustExist: Bool) {
        self.id = id
        self.stanza = stanza
        self.mustExist = mustExist
    }
}

/// How an archive write ended (`MUCService.archived`).
public enum ArchiveOutcome: Sendable, Equatable {
    /// Committed.
    case stored
    /// Not written: the message a tombstone must replace is not in the archive.
    case missing
    /// Not written: the store failed.
    case failed
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

extension ArchiveQuery {
    /// The page this query selects from one room's messages in archive order: what every backend
    /// answers (the memory store, and tests, compute it this way), or nil when the page's anchor id
    /// is not among them.
    public func select(from messages: [ArchivedMessage]) -> ArchivePage? {
        var anchor: Int? = nil
        switch page {
        case .first, .last: break
        case .after(let id), .before(let id):
            guard let found = messages.firstIndex(where: { $0.id == id }) else { return nil }
            anchor = found
        }
        var read: [ArchivedMessage] = []
        var count = 0
        let indices = readsBackwards ? Array(messages.indices.reversed()) : Array(messages.indices)
        for i in indices where matches(messages[i]) {
            count += 1
            if let anchor, readsBackwards ? i >= anchor : i <= anchor { continue }
            if read.count <= max { read.append(messages[i]) }
        }
        return ArchivePage(read: read, for: self, count: wantsCount ? count : nil)
    }
}
