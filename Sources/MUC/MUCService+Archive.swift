import XMPPCore

// The service's side of the conversation with the archive (XEP-0313 on room JIDs). A message is
// delivered only once its archive write has committed, so that whatever an occupant received can
// be found again after a crash. The room does not wait for the commit: it goes on handling its
// stanzas, and everything it says from the archived message on waits behind that write (its
// gate), in order, while other rooms' output goes out at once. The runtime groups the writes of
// many messages (of all rooms) into one commit.

/// A room's output waiting for archive writes, oldest first.
struct ArchiveGate {
    struct Segment {
        enum State { case waiting, done(ArchiveOutcome) }
        /// The archive id of the write this segment waits for.
        var id: String
        var state: State = .waiting
        /// The stanza that made the write: refused if it fails (none for a joiner's history).
        var request: Element?
        /// What the room says once the message is archived.
        var effects: [MUCAction]
        /// What the room said after it (about anything): sent after `effects` or the refusal.
        var after: [MUCAction] = []
    }

    var segments: [Segment] = []
}

extension MUCService {
    // MARK: Writes

    /// Moves the deliveries appended to `out` from `mark` on behind the room's gate, if it has
    /// one; storage actions stay.
    mutating func gateOutput(_ room: BareJID, from mark: Int, _ out: inout ActionList) {
        guard !archiveGates.isEmpty, mark < out.actions.count, var gate = archiveGates[room] else { return }
        archiveGates[room] = nil
        var kept: [MUCAction] = []
        for action in out.actions[mark...] {
            if action.isDelivery { gate.segments[gate.segments.count - 1].after.append(action) } else { kept.append(action) }
        }
        out.actions.replaceSubrange(mark..., with: kept)
        archiveGates[room] = gate
    }

    /// A room handler produced a message for the archive (`out.pendingArchive`): ask for the write
    /// and put what depends on it behind the room's gate.
    mutating func startArchive(_ room: BareJID, _ out: inout ActionList) {
        guard let pending = out.pendingArchive else { return }
        out.pendingArchive = nil
        out.actions.append(.archive(pending.write))
        archiveGates[room, default: ArchiveGate()].segments.append(
            ArchiveGate.Segment(id: pending.write.message.id, request: pending.request, effects: pending.then))
    }

    /// Gives a room handler's archive query (`out.archiveQuery`) a ticket and asks for the page.
    mutating func startArchiveQuery(_ out: inout ActionList) {
        guard let pending = out.archiveQuery else { return }
        out.archiveQuery = nil
        archiveQuerySerial &+= 1
        archiveQueries[archiveQuerySerial] = pending
        out.actions.append(.queryArchive(archiveQuerySerial, pending.query))
    }

    /// A join produced a history that needs the archive (`out.pendingHistory`): ask for the page
    /// and hold the room's output from the history on (the subject, and what follows) until it comes.
    mutating func startHistory(_ room: BareJID, _ out: inout ActionList) {
        guard let pending = out.pendingHistory else { return }
        out.pendingHistory = nil
        archiveQuerySerial &+= 1
        historyQueries[archiveQuerySerial] = (room, pending)
        out.actions.append(.queryArchive(archiveQuerySerial, pending.query))
        archiveGates[room, default: ArchiveGate()].segments.append(
            ArchiveGate.Segment(id: Self.historySegmentID(archiveQuerySerial), request: nil, effects: []))
    }

    static func historySegmentID(_ ticket: UInt64) -> String { "history " + String(ticket) }

    /// Messages whose archive write is not answered yet, all rooms together.
    public var archiveWritesInFlight: Int {
        archiveGates.values.reduce(0) { $0 + $1.segments.count }
    }

    /// The archive answered an `.archive` write of `room` with the message `id`. Once stored, what
    /// the room said from that message on goes out, up to the next write still waiting. A failed
    /// write refuses the request instead (`internal-server-error`, wait; `item-not-found` for a
    /// moderation of a message the archive does not hold), and the message leaves the history.
    public mutating func archived(_ room: BareJID, id: String, _ outcome: ArchiveOutcome) -> [MUCAction] {
        guard var gate = archiveGates[room],
              let index = gate.segments.firstIndex(where: { s in
                  if case .waiting = s.state { return s.id == id } else { return false }
              }) else { return [] }
        gate.segments[index].state = .done(outcome)
        archiveGates[room] = gate
        return releaseGate(room)
    }

    /// Sends what the room's gate holds, from the oldest segment on, up to the first still waiting.
    private mutating func releaseGate(_ room: BareJID) -> [MUCAction] {
        guard var gate = archiveGates[room] else { return [] }
        var out: [MUCAction] = []
        var released = 0
        for segment in gate.segments {
            guard case .done(let result) = segment.state else { break }
            released += 1
            switch result {
            case .stored:
                out.append(contentsOf: segment.effects)
            case .missing, .failed:
                if let address = rooms[room]?.address { rooms[room]?.history.remove(stanzaID: segment.id, by: address) }
                let missing = result == .missing
                if let request = segment.request, let refusal = Self.archiveRefusal(request, missing: missing, room: room) {
                    out.append(.send(refusal))
                }
            }
            out.append(contentsOf: segment.after)
        }
        gate.segments.removeFirst(released)
        archiveGates[room] = gate.segments.isEmpty ? nil : gate
        return out
    }

    static func archiveRefusal(_ request: Element, missing: Bool, room: BareJID) -> Element? {
        guard mayBeAnswered(request) else { return nil }
        let by = request.name == "iq" ? nil : room
        if missing { return Build.error(request, .itemNotFound, text: "No such message in the room's archive", by: by) }
        return Build.error(request, .internalServerError, type: .wait,
                           text: "The message could not be archived and was not delivered; try again later", by: by)
    }

    // MARK: Queries

    /// The archive answered query `ticket`: the page, or nil when its `after`/`before` id is not in
    /// the room's archive (`item-not-found`). `parse` reads a stored stanza (serialized without a
    /// namespace declaration) back into an element in `jabber:client`, the namespace of forwarded
    /// stanzas (XEP-0297), which the server passes through as they are.
    /// The results go to the requester, one message each, then the iq result with `<fin/>`.
    public mutating func archiveAnswered(_ ticket: UInt64, _ page: ArchivePage?, parse: (String) -> Element?) -> [MUCAction] {
        if historyQueries[ticket] != nil { return historyAnswered(ticket, page, parse: parse) }
        guard let pending = archiveQueries.removeValue(forKey: ticket) else { return [] }
        guard let page else {
            return [.send(Build.error(pending.iq, .itemNotFound, text: "No such message in the room's archive"))]
        }
        return Room.archiveResults(page, for: pending, parse: parse).map(MUCAction.send)
    }

    /// The archive failed query `ticket`: `internal-server-error` (wait).
    public mutating func archiveQueryFailed(_ ticket: UInt64) -> [MUCAction] {
        // A joiner's history falls back to what the ring holds.
        if historyQueries[ticket] != nil { return historyAnswered(ticket, nil, parse: { _ in nil }) }
        guard let pending = archiveQueries.removeValue(forKey: ticket) else { return [] }
        return [.send(Build.error(pending.iq, .internalServerError, type: .wait, text: "The archive is unavailable; try again later"))]
    }
}

extension MUCService {
    /// The joiner's history is known: it goes out, then the subject and what the room said since.
    private mutating func historyAnswered(_ ticket: UInt64, _ page: ArchivePage?, parse: (String) -> Element?) -> [MUCAction] {
        guard let (room, pending) = historyQueries.removeValue(forKey: ticket), var gate = archiveGates[room],
              let index = gate.segments.firstIndex(where: { $0.id == Self.historySegmentID(ticket) }) else { return [] }
        var effects: [MUCAction] = []
        for m in Room.joinHistory(page, for: pending, parse: parse) {
            var addressed = m
            addressed.setAttribute("to", pending.session.description)
            effects.append(.send(addressed))
        }
        effects.append(contentsOf: pending.then)
        gate.segments[index].effects = effects
        gate.segments[index].state = .done(.stored)
        archiveGates[room] = gate
        return releaseGate(room)
    }
}
