import XMPPCore

/// One affiliated bare JID of a room, with its reserved nick (§7.10) and the reason given when the
/// affiliation was set (shown in the ban list, §9.2).
public struct AffiliationRecord: Sendable, Equatable, Codable {
    public var jid: BareJID
    /// Never `.none`: an unaffiliated JID has no record (§5.2: no "none list").
    public var affiliation: Affiliation
    /// Reserved room nick, if any.
    public var nick: String?
    /// Reason given with the last change, if any.
    public var reason: String?

    public init(jid: BareJID, affiliation: Affiliation, nick: String? = nil, reason: String? = nil) {
        self.jid = jid
        self.affiliation = affiliation
        self.nick = nick
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case jid, affiliation, nick, reason }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        jid = try decodeBareJID(c, .jid)
        affiliation = try c.decode(Affiliation.self, forKey: .affiliation)
        nick = try c.decodeIfPresent(String.self, forKey: .nick)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jid.description, forKey: .jid)
        try c.encode(affiliation, forKey: .affiliation)
        try c.encodeIfPresent(nick, forKey: .nick)
        try c.encodeIfPresent(reason, forKey: .reason)
    }
}

/// Durable state of a room: everything that outlives its occupants. Only persistent rooms are
/// stored. A plain value (Codable, so a store may keep it as one JSON document or map its fields
/// to columns).
public struct RoomRecord: Sendable, Equatable, Codable {
    /// The room's bare JID (`room@service`).
    public var jid: BareJID
    public var config: RoomConfig
    /// Affiliations, sorted by JID.
    public var affiliations: [AffiliationRecord]
    /// Current subject; empty when none.
    public var subject: String
    /// Nick of the occupant who set the subject (the subject is then sent from `room@service/nick`).
    public var subjectNick: String?
    /// When the subject was set, in seconds since 1970.
    public var subjectTime: Double?
    /// Hats defined in the room and who wears them (XEP-0317), sorted by URI.
    public var hats: [HatRecord]

    public init(jid: BareJID, config: RoomConfig, affiliations: [AffiliationRecord] = [],
                subject: String = "", subjectNick: String? = nil, subjectTime: Double? = nil,
                hats: [HatRecord] = []) {
        self.jid = jid
        self.config = config
        self.affiliations = affiliations
        self.subject = subject
        self.subjectNick = subjectNick
        self.subjectTime = subjectTime
        self.hats = hats
    }

    enum CodingKeys: String, CodingKey { case jid, config, affiliations, subject, subjectNick, subjectTime, hats }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        jid = try decodeBareJID(c, .jid)
        config = try c.decode(RoomConfig.self, forKey: .config)
        affiliations = try c.decodeIfPresent([AffiliationRecord].self, forKey: .affiliations) ?? []
        subject = try c.decodeIfPresent(String.self, forKey: .subject) ?? ""
        subjectNick = try c.decodeIfPresent(String.self, forKey: .subjectNick)
        subjectTime = try c.decodeIfPresent(Double.self, forKey: .subjectTime)
        hats = try c.decodeIfPresent([HatRecord].self, forKey: .hats) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jid.description, forKey: .jid)
        try c.encode(config, forKey: .config)
        try c.encode(affiliations, forKey: .affiliations)
        try c.encode(subject, forKey: .subject)
        try c.encodeIfPresent(subjectNick, forKey: .subjectNick)
        try c.encodeIfPresent(subjectTime, forKey: .subjectTime)
        if !hats.isEmpty { try c.encode(hats, forKey: .hats) }
    }
}

/// Reads a bare JID stored as its string form.
private func decodeBareJID<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> BareJID {
    let s = try c.decode(String.self, forKey: key)
    do { return try BareJID(s) } catch {
        throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "invalid bare JID '\(s)': \(error)")
    }
}
