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
