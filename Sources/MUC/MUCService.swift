import XMPPCore

/// The MUC service (XEP-0045): routes each stanza addressed to the service domain, to a room or
/// to an occupant JID, and returns what to send and store. Pure and deterministic: no clock, no
/// randomness, no I/O — time comes in with each stanza, storage and delivery go out as actions.
public struct MUCService: Sendable {
    public let settings: MUCSettings
    /// The service domain, normalised as in JIDs.
    public let domain: String
    var rooms: [BareJID: Room] = [:]
    /// Room instances made so far: each gets the next number (see `Room.serial`).
    var roomSerial: UInt64 = 0
    /// Whether rooms are kept in a store that the service talks to through storage actions: then
    /// rooms not in memory are loaded on first use, changes of stored rooms are written before
    /// their effects are sent, and an empty stored room may leave memory to make space under
    /// `settings.maxRooms` (it comes back on the next stanza). Without one, rooms live in memory
    /// only and nothing is ever loaded or written.
    public let usesStore: Bool
    /// Rooms that may have become idle (persistent, configured, empty), oldest first: the
    /// candidates for unloading, checked again when one is needed.
    var idleRooms = IdleRoomQueue()
    /// Rooms waiting for the store (a load or a write), each with the stanzas that arrived for it
    /// meanwhile, in order.
    var holds: [BareJID: RoomHold] = [:]
    /// Stanzas held in `holds`, all rooms together.
    public internal(set) var heldStanzaCount = 0
    /// Rooms the store was found not to have (no lookup for them again).
    var absentRooms = AbsentRooms()
    /// Service disco#items requests waiting for a page of stored rooms, by listing id.
    var listings: [UInt64: PendingListing] = [:]
    var listingSerial: UInt64 = 0
    /// Whether the runtime keeps an archive store (XEP-0313): with `settings.archive.enabled`,
    /// rooms that archive send `.archive` writes and answer archive queries.
    public let usesArchive: Bool
    /// Rooms' output waiting for archive writes.
    var archiveGates: [BareJID: ArchiveGate] = [:]
    /// Archive queries waiting for their page, by ticket.
    var archiveQueries: [UInt64: PendingArchiveQuery] = [:]
    /// Joiners' histories waiting for an archive page, by ticket, with their room.
    var historyQueries: [UInt64: (room: BareJID, history: PendingHistory)] = [:]
    var archiveQuerySerial: UInt64 = 0
    /// Service admin commands waiting for a room's load or write.
    var adminJobs: [AdminJob] = []
    var adminCommandSerial: UInt64 = 0

    public init(settings: MUCSettings, usesStore: Bool = false, usesArchive: Bool = false) {
        self.settings = settings
        self.domain = (try? BareJID(settings.domain))?.domain ?? settings.domain.lowercased()
        self.usesStore = usesStore
        self.usesArchive = usesArchive
    }

    /// What room handlers get besides the stanza.
    func context(now: Double) -> RoomContext {
        RoomContext(settings: settings, now: now, archives: usesArchive && settings.archive.enabled)
    }

    /// Number of rooms in memory (persistent rooms, and temporary rooms with occupants).
    public var roomCount: Int { rooms.count }

    /// Restores a stored room (at start-up, or before the first stanza that addresses it). It is
    /// unlocked and empty.
    public mutating func load(_ record: RoomRecord) {
        roomSerial &+= 1
        rooms[record.jid] = Room(record: record, serial: roomSerial)
        if tracksIdleRooms { idleRooms.note(record.jid) }
    }

    /// The durable state of a room, if it exists.
    public func record(of room: BareJID) -> RoomRecord? { rooms[room]?.record }

    /// Handles one element received from the server: a stanza whose `to` or `from` is not a JID
    /// is refused with `jid-malformed` (when a reply can be addressed), any other goes to
    /// `handle(_:now:)`.
    public mutating func handle(element: Element, now: Double) -> [MUCAction] {
        let stanza: Stanza
        do {
            stanza = try Stanza(element)
        } catch {
            return refuseUnparsable(element, error)
        }
        return handle(stanza, now: now)
    }

    /// Handles one stanza addressed to the service domain or to a room/occupant in it, received
    /// from the server (its `from` is the sender's real JID). `now` is seconds since 1970.
    public mutating func handle(_ stanza: Stanza, now: Double) -> [MUCAction] {
        var out = ActionList()
        handle(stanza, now: now, holdLimit: RoomHold.limit, &out)
        return out.actions
    }

    /// `handle(_:now:)` into `out`; a room waiting for the store refuses stanzas beyond `holdLimit`
    /// held ones (replayed stanzas were accepted already and pass `Int.max`).
    mutating func handle(_ stanza: Stanza, now: Double, holdLimit: Int, _ out: inout ActionList) {
        // A stanza without a sender cannot be answered; one for another domain is not ours.
        guard let from = stanza.from, let to = stanza.to, to.domain == domain else { return }
        if to.localpart == nil {
            return handleServiceStanza(stanza, from: from, now: now, &out)
        }
        let room = to.bare
        if !holds.isEmpty, holds[room] != nil {
            return hold(stanza, now: now, room: room, limit: holdLimit, &out)
        }
        let ctx = context(now: now)
        if rooms[room] != nil {
            let mark = out.actions.count
            rooms[room]?.handle(stanza, from: from, nick: to.resource, ctx, &out)
            if out.pendingWrite != nil { startWrite(room, &out) }
            gateOutput(room, from: mark, &out)
            if out.pendingArchive != nil { startArchive(room, &out) }
            if out.archiveQuery != nil { startArchiveQuery(&out) }
            if out.pendingHistory != nil { startHistory(room, &out) }
            if rooms[room]?.isDisposable == true {
                rooms[room] = nil
            } else if tracksIdleRooms, rooms[room].map(Self.isUnloadable) == true {
                idleRooms.note(room)
            }
        } else if usesStore && !absentRooms.contains(room) {
            startLoad(stanza, now: now, room: room, &out)
        } else {
            handleNonexistentRoom(stanza, room: room, nick: to.resource, from: from, ctx, &out)
        }
    }

    /// Takes every occupant out of every room (service shutdown, §11.2: status 332) and forgets
    /// temporary rooms. Persistent rooms stay, empty.
    public mutating func removeAllOccupants() -> [MUCAction] {
        var out = ActionList()
        for key in rooms.keys.sorted() {
            rooms[key]?.removeAllOccupants(&out)
            if rooms[key]?.isDisposable == true { rooms[key] = nil }
        }
        return out.actions
    }

    /// XEP-0045 §18.1.2: sends an XEP-0199 ping from each room to each occupant's real full JID
    /// (ids `muc-ping-N`, counted per room). The runtime calls it after reconnecting to the
    /// server: sessions the server lost meanwhile bounce with an error, which `handle` turns into
    /// their removal (status 333, the others are told). Answers that are results change nothing.
    public mutating func pingOccupants(now: Double) -> [MUCAction] {
        var out = ActionList()
        for key in rooms.keys.sorted() { rooms[key]?.pingOccupants(&out) }
        return out.actions
    }

    // MARK: Service domain

    /// Stanzas to the service itself: disco (§6.1–§6.3), ping, the admin commands; everything else is refused.
    private mutating func handleServiceStanza(_ stanza: Stanza, from: JID, now: Double, _ out: inout ActionList) {
        let element = stanza.element
        switch stanza.kind {
        case .presence:
            return
        case .message:
            // Errors and headlines are never answered (RFC 6120 §8.3.1, RFC 6121 §5.2.2).
            switch stanza.messageType {
            case .error?, .headline?: return
            default: out.send(Build.error(element, .serviceUnavailable))
            }
        case .iq:
            guard let type = stanza.iqType else { return out.send(Build.error(element, .badRequest)) }
            let isSet: Bool
            switch type {
            case .result, .error: return
            case .get: isSet = false
            case .set: isSet = true
            }
            guard let payload = element.elements.first else { return out.send(Build.error(element, .badRequest)) }
            switch (payload.name, payload.namespace) {
            case ("query", NS.discoInfo):
                if isSet { return out.send(Build.error(element, .featureNotImplemented)) }
                if let node = payload.attribute("node") {
                    return out.send(adminCommandInfo(element, node: node, for: from.bare) ?? Build.error(element, .itemNotFound))
                }
                out.send(element.iqResult(serviceInfo))
            case ("query", NS.discoItems):
                if isSet { return out.send(Build.error(element, .featureNotImplemented)) }
                if let node = payload.attribute("node") {
                    guard node == MoreNS.commands else { return out.send(Build.error(element, .itemNotFound)) }
                    return out.send(element.iqResult(adminCommandItems(for: from.bare)))
                }
                listPublicRooms(element, query: payload, &out)
            case ("command", MoreNS.commands):
                guard isSet else { return out.send(Build.error(element, .badRequest)) }
                adminCommand(element, command: payload, from: from, now: now, &out)
            case ("ping", NS.ping):
                out.send(isSet ? Build.error(element, .featureNotImplemented) : element.iqResult())
            case ("query", NS.register):
                // Nicks are registered with a room (§7.10), not with the service.
                out.send(Build.error(element, .featureNotImplemented, text: "Register with a room"))
            default:
                out.send(Build.error(element, .serviceUnavailable))
            }
        }
    }

    /// §6.2: identity and features of the service.
    var serviceInfo: Element {
        var q = Build.query(NS.discoInfo)
        q.append(Build.conferenceIdentity(name: settings.name))
        // XEP-0421 §4: every room adds occupant ids, so the service announces them too.
        for f in [NS.discoInfo, NS.discoItems, NS.muc, NS.mucStableID, NS.register, NS.ping, NS.occupantID, MoreNS.commands] {
            q.append(Build.feature(f))
        }
        return q
    }

    // MARK: Rooms that do not exist

    /// A join creates the room when the creation policy allows it (§10.1.1, not-allowed
    /// otherwise); anything else addressed to a missing room is item-not-found (§7.10, §17.2 rule 3).
    private mutating func handleNonexistentRoom(_ stanza: Stanza, room: BareJID, nick: String?, from: JID,
                                                _ ctx: RoomContext, _ out: inout ActionList) {
        let element = stanza.element
        switch stanza.kind {
        case .presence:
            guard stanza.type == nil else { return }
            guard let nick else { return out.send(Build.error(element, .jidMalformed, by: room)) }
            guard element.child("x", namespace: NS.muc) != nil else {
                // Not a MUC join (§7.2.18): handled as by an existing room, which says "not in the room".
                var r = Room(jid: room, config: settings.defaultRoomConfig, locked: false)
                r.handlePresence(stanza, from: from, nick: nick, ctx, &out)
                return
            }
            if let problem = Nick.problem(nick) {
                return out.send(Build.error(element, .jidMalformed, type: .modify, text: problem, by: room))
            }
            guard settings.mayCreateRoom(from.bare) else {
                return out.send(Build.error(element, .notAllowed, type: .cancel, text: "Room creation is restricted", by: room))
            }
            guard makeSpaceForRoom() else {
                return out.send(Build.error(element, .resourceConstraint, type: .wait,
                                            text: "The service holds as many rooms as it may; try again later", by: room))
            }
            roomSerial &+= 1
            var r = Room(jid: room, config: settings.defaultRoomConfig, locked: true, serial: roomSerial)
            r.setRecord(AffiliationRecord(jid: from.bare, affiliation: .owner))
            r.join(session: from, nick: nick, stanza: element, isCreation: true, ctx, &out)
            if r.occupantCount > 0 { rooms[room] = r }
        case .iq:
            switch stanza.iqType {
            case .result?, .error?: return
            default: out.send(Build.error(element, .itemNotFound))
            }
        case .message:
            switch stanza.messageType {
            case .error?, .headline?: return
            default: out.send(Build.error(element, .itemNotFound, by: room))
            }
        }
    }
}

extension Room {
    /// Dispatches a stanza addressed to this room or one of its occupant JIDs.
    mutating func handle(_ stanza: Stanza, from real: JID, nick: String?, _ ctx: RoomContext, _ out: inout ActionList) {
        switch stanza.kind {
        case .presence: handlePresence(stanza, from: real, nick: nick, ctx, &out)
        case .iq: handleIQ(stanza, from: real, nick: nick, ctx, &out)
        case .message: handleMessage(stanza, from: real, nick: nick, ctx, &out)
        }
    }

    /// Service shutdown (§11.2): every session gets an unavailable self-presence with 110 and 332.
    mutating func removeAllOccupants(_ out: inout ActionList) {
        for o in occupants {
            let x = Build.userX(items: [Build.item(affiliation: Affiliation.none, role: Role.none, jid: nil)],
                                post: [.selfPresence, .serviceShutdown])
            out.emit(Build.presence(from: occupantAddress(o.nick), type: "unavailable", payload: [], x: x,
                                    extra: presenceExtras(bare: o.bare, occupantID: o.occupantID)), to: o.sessions)
            removeOccupant(nick: o.nick)
        }
    }
}
