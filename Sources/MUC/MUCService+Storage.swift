import XMPPCore

// The service's side of the conversation with storage. A room that needs the store (to be loaded,
// or to write a change) holds the stanzas that arrive for it meanwhile, in order; other rooms go
// on. The runtime carries out the storage action and reports the outcome with one of the events
// below, which release the room: its effects go out (or the change is undone and refused) and the
// held stanzas are handled in order, until the room waits again.

/// A room waiting for the store, and what arrived for it meanwhile.
struct RoomHold {
    enum State {
        /// Not in memory: the service asked for its record.
        case loading
        /// A change waits to be stored.
        case writing(PendingWrite)
    }

    var state: State
    /// Stanzas for the room, with their arrival times, in order.
    var held: [(stanza: Stanza, now: Double)] = []

    /// Held stanzas above which a room refuses more with `resource-constraint` (wait), so that one
    /// busy room cannot take the whole service's bound (`MUCService.heldStanzaCount`).
    static let limit = 1_000
}

/// Rooms the store does not have, so that stanzas to them need no lookup. Bounded: when full it
/// starts afresh (a forgotten room costs one lookup more).
struct AbsentRooms {
    private var set: Set<BareJID> = []
    static let limit = 50_000

    func contains(_ jid: BareJID) -> Bool { set.contains(jid) }

    mutating func insert(_ jid: BareJID) {
        if set.count >= Self.limit { set.removeAll(keepingCapacity: true) }
        set.insert(jid)
    }

    mutating func remove(_ jid: BareJID) {
        if !set.isEmpty { set.remove(jid) }
    }
}

extension MUCService {
    /// Whether the room is in memory (the runtime loads stored rooms lazily, on first use).
    public func hasRoom(_ jid: BareJID) -> Bool { rooms[jid] != nil }

    // MARK: Starting a conversation

    /// Holds `stanza` until the room is released; beyond `limit` held stanzas it is refused.
    mutating func hold(_ stanza: Stanza, now: Double, room: BareJID, limit: Int, _ out: inout ActionList) {
        if holds[room]!.held.count >= limit,
           let refusal = Self.refusal(stanza.element, .resourceConstraint,
                                      "The room is busy storing a change; try again in a moment", room: room) {
            return out.send(refusal)
        }
        holds[room]!.held.append((stanza, now))
        heldStanzaCount += 1
    }

    /// The first stanza for a room that is not in memory: ask the store for it.
    mutating func startLoad(_ stanza: Stanza, now: Double, room: BareJID, _ out: inout ActionList) {
        guard makeSpaceForRoom() else {
            if let refusal = Self.refusal(stanza.element, .resourceConstraint, Self.fullText, room: room) { out.send(refusal) }
            return
        }
        holds[room] = RoomHold(state: .loading, held: [(stanza, now)])
        heldStanzaCount += 1
        out.append(.loadRoom(room))
    }

    /// A room handler produced a durable change (`out.pendingWrite`): with a store, the room
    /// waits for it; without one, its effects go out at once.
    mutating func startWrite(_ room: BareJID, _ out: inout ActionList) {
        guard let pending = out.pendingWrite else { return }
        out.pendingWrite = nil
        guard usesStore else {
            if case .delete = pending.write, usesArchive { out.actions.append(.deleteArchive(room)) }
            out.actions.append(contentsOf: pending.then)
            return
        }
        holds[room] = RoomHold(state: .writing(pending))
        switch pending.write {
        case .save(let record, let changes): out.actions.append(.storeRoom(record, changes: changes))
        case .delete: out.actions.append(.deleteRoom(room))
        }
    }

    // MARK: Outcomes

    /// The store answered a `.loadRoom`: the record, or nil when the room is not stored. The room
    /// comes into memory (unlocked and empty) and its held stanzas are handled.
    public mutating func roomLoaded(_ room: BareJID, _ record: RoomRecord?) -> [MUCAction] {
        guard let hold = release(room, loading: true) else { return [] }
        var out = ActionList()
        if let record {
            guard makeSpaceForRoom() else {
                refuseAll(hold, .resourceConstraint, Self.fullText, room: room, &out)
                return out.actions
            }
            load(record)
        } else {
            absentRooms.insert(room)
        }
        replay(hold, &out)
        resumeAdminJobs(after: room, &out)
        return out.actions
    }

    /// The store committed a `.storeRoom` or `.deleteRoom`: the change's effects go out (the
    /// owner's result among them), then the held stanzas are handled.
    public mutating func stored(_ room: BareJID) -> [MUCAction] {
        guard let hold = release(room, loading: false), case .writing(let pending) = hold.state else { return [] }
        var out = ActionList()
        switch pending.write {
        case .save:
            absentRooms.remove(room)
            if tracksIdleRooms, rooms[room].map(Self.isUnloadable) == true { idleRooms.note(room) }
        case .delete:
            absentRooms.insert(room)
        }
        let mark = out.actions.count
        out.actions.append(contentsOf: pending.then)
        gateOutput(room, from: mark, &out)
        replay(hold, &out)
        resumeAdminJobs(after: room, &out)
        return out.actions
    }

    /// The store failed a `.loadRoom`, `.storeRoom` or `.deleteRoom`. A failed write leaves the
    /// room exactly as it was before the change and refuses the request once with
    /// `internal-server-error` (wait); the held stanzas are then handled. A failed load refuses
    /// every held stanza the same way (the room cannot be served without its record).
    public mutating func storeFailed(_ room: BareJID) -> [MUCAction] {
        guard let hold = holds[room] else { return [] }
        var out = ActionList()
        switch hold.state {
        case .loading:
            _ = release(room, loading: true)
            refuseAll(hold, .internalServerError, Self.storageText, room: room, &out)
            resumeAdminJobs(after: room, loadFailed: true, &out)
        case .writing(let pending):
            _ = release(room, loading: false)
            rooms[room] = pending.before
            if tracksIdleRooms, Self.isUnloadable(pending.before) { idleRooms.note(room) }
            if let refusal = Self.refusal(pending.request, .internalServerError, Self.storageText, room: room) {
                out.send(refusal)
                gateOutput(room, from: out.actions.count - 1, &out)
            }
            replay(hold, &out)
            resumeAdminJobs(after: room, failedRequest: pending.request, &out)
        }
        return out.actions
    }

    /// Takes the room's hold out; nil (an answer nobody asked for) when there is none of that kind.
    private mutating func release(_ room: BareJID, loading: Bool) -> RoomHold? {
        guard let hold = holds[room] else { return nil }
        switch hold.state {
        case .loading: guard loading else { return nil }
        case .writing: guard !loading else { return nil }
        }
        holds[room] = nil
        heldStanzaCount -= hold.held.count
        return hold
    }

    /// Handles held stanzas in order; once one makes the room wait again, the rest are held anew.
    private mutating func replay(_ hold: RoomHold, _ out: inout ActionList) {
        for (stanza, now) in hold.held {
            handle(stanza, now: now, holdLimit: .max, &out)
        }
    }

    private func refuseAll(_ hold: RoomHold, _ condition: StanzaError.Condition, _ text: String, room: BareJID,
                           _ out: inout ActionList) {
        for (stanza, _) in hold.held {
            if let refusal = Self.refusal(stanza.element, condition, text, room: room) { out.send(refusal) }
        }
    }

    static let storageText = "Room storage is unavailable; try again later"
    static let fullText = "The service holds as many rooms as it may; try again later"

    /// A `wait` error for a request the service cannot serve now; nil for stanzas that get no reply
    /// (errors, results, unavailable presence, stanzas without a sender).
    static func refusal(_ element: Element, _ condition: StanzaError.Condition, _ text: String, room: BareJID) -> Element? {
        guard mayBeAnswered(element) else { return nil }
        if element.name == "presence" && element.attribute("type") == "unavailable" { return nil }
        return Build.error(element, condition, type: .wait, text: text, by: element.name == "iq" ? nil : room)
    }

    /// Whether an error may answer the stanza: it is no error or result itself, and has a sender.
    static func mayBeAnswered(_ element: Element) -> Bool {
        let type = element.attribute("type")
        return type != "error" && type != "result" && element.attribute("from") != nil
    }

    /// A stanza whose `to` or `from` is not a JID: `jid-malformed` when a reply can be addressed.
    func refuseUnparsable(_ element: Element, _ error: StanzaParseError) -> [MUCAction] {
        guard Self.mayBeAnswered(element), let from = element.attribute("from"), (try? JID(from)) != nil else { return [] }
        var reply = element.errorReply(StanzaError(.jidMalformed))
        // The reply must come from inside our domain (servers close the stream otherwise).
        if case .badAddress(let attribute, _) = error, attribute == "to" { reply.setAttribute("from", settings.domain) }
        return [.send(reply)]
    }
}

extension MUCService {
    /// Whether one more room fits under `settings.maxRooms`, after dropping the longest-idle
    /// persistent empty room from memory if needed (and allowed: `usesStore`).
    public mutating func makeSpaceForRoom() -> Bool {
        let limit = settings.maxRooms
        guard limit > 0 else { return true }
        while rooms.count >= limit {
            guard usesStore, let jid = idleRooms.next(where: { jid in
                holds[jid] == nil && (rooms[jid].map(Self.isUnloadable) ?? false)
            }) else {
                return false
            }
            rooms[jid] = nil
        }
        return true
    }

    /// Whether idle rooms are worth listing: there is a bound, and rooms may leave memory.
    var tracksIdleRooms: Bool { settings.maxRooms > 0 && usesStore }

    /// A room that can leave memory without losing anything durable: stored, configured, empty.
    /// (Its discussion history goes, as on a restart: history is not stored.)
    static func isUnloadable(_ room: Room) -> Bool {
        room.occupantCount == 0 && room.isStored
    }
}

/// Rooms that became idle, oldest first, each at most once (a room that fills up again stays
/// listed until it is checked: `next(where:)` skips it then).
struct IdleRoomQueue: Sendable {
    private var queue: [BareJID] = []
    private var head = 0
    private var listed: Set<BareJID> = []

    /// Lists `jid` if it is not listed yet.
    mutating func note(_ jid: BareJID) {
        guard listed.insert(jid).inserted else { return }
        queue.append(jid)
    }

    /// Takes out listed rooms, oldest first, until one satisfies `isIdle`; returns it.
    mutating func next(where isIdle: (BareJID) -> Bool) -> BareJID? {
        while head < queue.count {
            let jid = queue[head]
            head += 1
            listed.remove(jid)
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            if isIdle(jid) { return jid }
        }
        return nil
    }
}
