import XMPPCore

/// What a room handler needs from the service: its settings and the current time.
struct RoomContext {
    let settings: MUCSettings
    /// Seconds since 1970.
    let now: Double
    /// Whether the service keeps an archive (it has an archive store and archiving is enabled).
    var archives = false
}

/// One room's state machine: configuration, affiliations, occupants and subject.
/// Handlers live in extensions by concern (join, presence, admin, owner, registration, messages, disco).
struct Room {
    let jid: BareJID
    /// `room@service`, as written in `from` attributes.
    let address: String
    var config: RoomConfig
    /// §10.1.1: a new room is locked (refuses everyone but its owners) until first configured.
    var locked: Bool
    /// Set when the room was destroyed; the service drops it.
    var destroyed = false

    /// Affiliated bare JIDs (never `.none`).
    private(set) var affiliations: [BareJID: AffiliationRecord] = [:]
    /// Reserved nick → the bare JID that reserved it (index over `affiliations`).
    private(set) var reservedNicks: [String: BareJID] = [:]
    /// Bare JIDs whose affiliation record changed since the room was last written: the rows a
    /// store rewrites (a subject change in a room of thousands of members writes none).
    private(set) var changedAffiliations: Set<BareJID> = []

    /// Occupants by nick, in join order.
    private(set) var occupants = OccupantTable()
    /// Real session JID → nick of its occupant.
    private(set) var sessionNick: [JID: String] = [:]
    /// Every session of every occupant, in join order: the recipients of a groupchat message,
    /// kept ready because that fan-out is the hottest path (see `everySession()`).
    private var sessionList: [JID] = []
    /// Whether `sessionList` misses a removal: rebuilt on the next use, so that a leave does not
    /// walk the whole room.
    private var sessionListStale = false

    var subject = ""
    var subjectNick: String?
    var subjectTime: Double?
    /// XEP-0421 occupant id of whoever set the subject (not stored: known while the room is in memory).
    var subjectOccupantID: String?

    /// Hats defined in the room (XEP-0317), sorted by URI, and the index of who wears which.
    private(set) var hats: [HatRecord] = []
    private(set) var hatsByHolder: [BareJID: [HatRecord]] = [:]

    /// Discussion history (kept for joiners, §7.2.13).
    var history = History()
    /// IQs forwarded to occupants and awaiting their answer (§17.4 rule 3).
    var pendingIQs = PendingIQs()

    /// Distinguishes this instance of the room from earlier ones with the same JID (a temporary
    /// room destroyed and created again) in stanza ids; given by the service.
    let serial: UInt64
    /// Groupchat messages given a stanza id so far (XEP-0359).
    var stanzaCounter: UInt64 = 0
    /// Availability pings sent to occupants so far (`MUCService.pingOccupants`).
    var pingCounter: UInt64 = 0

    init(jid: BareJID, config: RoomConfig, locked: Bool, serial: UInt64 = 0) {
        self.jid = jid
        self.address = jid.description
        self.config = config
        self.locked = locked
        self.serial = serial
    }

    init(record: RoomRecord, serial: UInt64 = 0) {
        self.init(jid: record.jid, config: record.config, locked: false, serial: serial)
        for a in record.affiliations where a.affiliation != .none { setRecord(a) }
        subject = record.subject
        subjectNick = record.subjectNick
        subjectTime = record.subjectTime
        setHats(record.hats)
    }

    /// The durable part of the room.
    var record: RoomRecord {
        RoomRecord(jid: jid, config: config, affiliations: affiliations.values.sorted { $0.jid < $1.jid },
                   subject: subject, subjectNick: subjectNick, subjectTime: subjectTime, hats: hats)
    }

    /// Replaces the hat definitions and assignments, keeping the index.
    mutating func setHats(_ list: [HatRecord]) {
        hats = list.sorted { $0.uri < $1.uri }
        hatsByHolder = [:]
        for h in hats { for j in h.holders { hatsByHolder[j, default: []].append(h) } }
    }

    /// What the room asserts about an occupant besides `muc#user`, appended to each of its
    /// presences: the XEP-0421 occupant id and, when it wears any, the XEP-0317 hats.
    func presenceExtras(bare: BareJID, occupantID: String) -> [Element] {
        let id = Element("occupant-id", namespace: NS.occupantID, attrs: ["id": occupantID])
        guard let worn = hatsByHolder[bare], !worn.isEmpty else { return [id] }
        return [id, Element("hats", namespace: NS.hats, attrs: [:], children: worn.map(\.element))]
    }

    /// The next XEP-0359 stanza id of this room.
    mutating func nextStanzaID(_ ctx: RoomContext) -> String {
        stanzaCounter &+= 1
        return ctx.settings.stanzaID(room: jid, serial: serial, counter: stanzaCounter, now: ctx.now)
    }

    /// Whether the room's messages go to the archive now: the service keeps one, and the room is
    /// stored and archives (its own choice, or the service's default while it never chose).
    /// Temporary rooms keep no archive: their history goes with them.
    func archives(_ ctx: RoomContext) -> Bool {
        ctx.archives && isStored && (config.archiving ?? ctx.settings.archive.byDefault)
    }

    /// Whether changes must be stored: persistent, past initial configuration, not destroyed.
    var isStored: Bool { config.persistent && !locked && !destroyed }

    /// Whether the service should forget the room: destroyed, or empty and not kept (temporary,
    /// or still locked: §10.1.3, the creator left before configuring it).
    var isDisposable: Bool { destroyed || (occupants.isEmpty && (locked || !config.persistent)) }

    // MARK: Addresses

    /// `room@service/nick`.
    func occupantAddress(_ nick: String) -> String { address + "/" + nick }

    // MARK: Affiliations

    /// The stored affiliation of a bare JID.
    func storedAffiliation(of user: BareJID) -> Affiliation {
        affiliations[user]?.affiliation ?? .none
    }

    /// The affiliation that governs rights and is shown in items: the stored one, or owner for a
    /// service admin when `MUCSettings.adminsAreOwners` says so.
    func affiliation(of user: BareJID, _ ctx: RoomContext) -> Affiliation {
        ctx.settings.adminsAreOwners && ctx.settings.admins.contains(user) ? .owner : storedAffiliation(of: user)
    }

    /// The reserved nick of a bare JID.
    func reservedNick(of user: BareJID) -> String? { affiliations[user]?.nick }

    /// Stores (or with affiliation `.none`, removes) an affiliation record, keeping the nick index.
    mutating func setRecord(_ record: AffiliationRecord) {
        changedAffiliations.insert(record.jid)
        if let old = affiliations[record.jid], let n = old.nick, reservedNicks[n] == record.jid {
            reservedNicks[n] = nil
        }
        if record.affiliation == .none {
            affiliations[record.jid] = nil
            return
        }
        affiliations[record.jid] = record
        if let n = record.nick { reservedNicks[n] = record.jid }
    }

    /// §5.1.2: the role an occupant gets from its affiliation; `.none` when it may not be present.
    func defaultRole(for affiliation: Affiliation) -> Role {
        switch affiliation {
        case .owner, .admin: return .moderator
        case .member: return .participant
        case .none: return config.membersOnly ? .none : (config.moderated ? .visitor : .participant)
        case .outcast: return .none
        }
    }

    // MARK: Occupants


    func occupant(session: JID) -> Occupant? {
        sessionNick[session].flatMap { occupants[$0] }
    }

    /// Every session of every occupant, in join order (the recipients of a groupchat message).
    mutating func everySession() -> [JID] {
        if sessionListStale {
            var list: [JID] = []
            list.reserveCapacity(sessionNick.count)
            for o in occupants { list.append(contentsOf: o.sessions) }
            sessionList = list
            sessionListStale = false
        }
        return sessionList
    }

    /// Sessions of occupants that satisfy `predicate`, in join order.
    func sessions(where predicate: (Occupant) -> Bool) -> [JID] {
        var out: [JID] = []
        for o in occupants where predicate(o) { out.append(contentsOf: o.sessions) }
        return out
    }

    var occupantCount: Int { occupants.count }

    mutating func addOccupant(_ o: Occupant) {
        occupants.append(o)
        for s in o.sessions { sessionNick[s] = o.nick }
        if !sessionListStale { sessionList.append(contentsOf: o.sessions) }
    }

    /// Replaces an occupant's state (same nick).
    mutating func updateOccupant(_ o: Occupant) {
        let oldSessions = occupants[o.nick]?.sessions ?? []
        for s in oldSessions where !o.sessions.contains(s) { sessionNick[s] = nil }
        occupants.replace(o)
        for s in o.sessions { sessionNick[s] = o.nick }
        if oldSessions != o.sessions { sessionListStale = true }
    }

    @discardableResult
    mutating func removeOccupant(nick: String) -> Occupant? {
        guard let o = occupants.remove(nick: nick) else { return nil }
        for s in o.sessions { sessionNick[s] = nil }
        if occupants.isEmpty {
            sessionList = []
            sessionListStale = false
        } else {
            sessionListStale = true
        }
        return o
    }

    /// Moves an occupant to a new nick, keeping its place in the join order.
    mutating func renameOccupant(from old: String, to new: String) {
        guard let o = occupants.rename(from: old, to: new) else { return }
        for s in o.sessions { sessionNick[s] = new }
    }

    /// Occupants of a bare JID (one per nick it holds).
    func occupants(of user: BareJID) -> [Occupant] {
        occupants.filter { $0.bare == user }
    }

    // MARK: Storage

    /// Ends a handler that changed durable state. When the room is stored, or stops being stored
    /// with this change, `actions` become the effects of a pending write: the service sends them
    /// once the store has the change, or puts `before` back and refuses `request` if it fails.
    /// `before` is the room as the handler found it.
    mutating func committing(_ actions: ActionList, since before: Room, request: Element) -> ActionList {
        let write: PendingWrite.Write
        if isStored {
            let changes = before.isStored ? RoomChanges(affiliations: changedAffiliations.sorted()) : .everything
            write = .save(record, changes)
        } else if before.isStored {
            write = .delete
        } else {
            changedAffiliations.removeAll()
            return actions
        }
        changedAffiliations.removeAll()
        var out = ActionList()
        out.pendingWrite = PendingWrite(write: write, before: before, request: request)
        out.append(contentsOf: actions)
        return out
    }
}
