import XMPPCore

/// What changed in a stored room since it was last written, so that a store writes only that:
/// the room's own row (configuration, subject, hats) always, and the affiliation rows of the JIDs
/// listed here, or all of them.
public struct RoomChanges: Sendable, Equatable {
    /// Bare JIDs whose affiliation was added, changed or removed, sorted; nil means every
    /// affiliation row (a room stored for the first time, a bulk import).
    public var affiliations: [BareJID]?

    public init(affiliations: [BareJID]?) {
        self.affiliations = affiliations
    }

    /// Write the whole room.
    public static let everything = RoomChanges(affiliations: nil)
}

/// One page of stored rooms the service asks for (§6.3 with result set management): rooms in JID
/// byte order after `after`, at most `limit`. The answer comes back as `MUCService.roomsListed`.
public struct RoomListing: Sendable, Equatable {
    /// Names the request in the answer.
    public let id: UInt64
    public let after: BareJID?
    public let limit: Int
    public let publicOnly: Bool

    public init(id: UInt64, after: BareJID?, limit: Int, publicOnly: Bool) {
        self.id = id
        self.after = after
        self.limit = limit
        self.publicOnly = publicOnly
    }
}

/// What a listing shows of a room without loading it.
public struct RoomSummary: Sendable, Equatable {
    public var jid: BareJID
    /// `muc#roomconfig_roomname`, empty when unset.
    public var name: String
    public var isPublic: Bool

    public init(jid: BareJID, name: String, isPublic: Bool) {
        self.jid = jid
        self.name = name
        self.isPublic = isPublic
    }
}
