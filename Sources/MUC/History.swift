import XMPPCore

/// Recent groupchat messages, replayed to joiners between their self-presence and the subject
/// (XEP-0045 §7.2.12, §7.2.13).
struct History {
    struct Entry {
        /// The message as reflected (from `room@service/nick`, no `to`).
        var message: Element
        /// When it was received, seconds since 1970.
        var time: Double
    }

    private(set) var entries: [Entry] = []

    /// Keeps `message`, dropping the oldest entries beyond `limit`.
    mutating func record(_ message: Element, at time: Double, limit: Int) {
        guard limit > 0 else { entries.removeAll(); return }
        entries.append(Entry(message: message, time: time))
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
    }

    /// Drops entries beyond `limit` (after the room's history length was lowered).
    mutating func trim(to limit: Int) {
        if entries.count > limit { entries.removeFirst(entries.count - max(0, limit)) }
    }

    /// What a joiner asked for in `<history/>` (§7.2.13); every limit applies.
    struct Request {
        var maxStanzas: Int?
        var maxChars: Int?
        var seconds: Double?
        var since: Double?

        init(element: Element?) {
            guard let e = element else { return }
            maxStanzas = e.attribute("maxstanzas").flatMap { Int($0) }.map { max(0, $0) }
            maxChars = e.attribute("maxchars").flatMap { Int($0) }.map { max(0, $0) }
            seconds = e.attribute("seconds").flatMap { Double($0) }.map { max(0, $0) }
            since = e.attribute("since").flatMap(Timestamp.parse)
        }
    }

    /// The messages to send to a joiner, oldest first, each stamped with `<delay/>` from the room.
    func replay(_ request: Request, room: String, now: Double, limit: Int) -> [Element] {
        var budget = request.maxChars ?? Int.max
        var count = min(request.maxStanzas ?? Int.max, limit)
        var picked: [Element] = []
        for entry in entries.reversed() {
            guard count > 0 else { break }
            if let s = request.seconds, entry.time < now - s { break }
            if let since = request.since, entry.time < since { break }
            var m = entry.message
            m.append(Element("delay", namespace: NS.delay, attrs: ["from": room, "stamp": Timestamp.format(entry.time)]))
            if request.maxChars != nil {
                let size = Serializer.bytes(m).count
                guard size <= budget else { break }
                budget -= size
            }
            picked.append(m)
            count -= 1
        }
        return picked.reversed()
    }
}

/// IQs forwarded from one occupant to another (§18.3), keyed by the id the room gave them, so
/// that the answer goes back to the right session under the original id. Bounded: the oldest
/// entries are forgotten first.
struct PendingIQs {
    struct Entry {
        var requester: JID
        var originalID: String?
        /// Nick the answer must come from (the target's).
        var targetNick: String
        /// Real JID the request was sent to (the answer must come from it).
        var target: JID
    }

    static let capacity = 256
    private var entries: [String: Entry] = [:]
    private var fifo: [String] = []
    private var counter: UInt64 = 0

    /// Remembers a forwarded request; returns the id to use on the forwarded IQ.
    mutating func add(_ entry: Entry) -> String {
        counter &+= 1
        let id = "muc-iq-\(counter)"
        entries[id] = entry
        fifo.append(id)
        if fifo.count > PendingIQs.capacity {
            let old = fifo.removeFirst()
            entries[old] = nil
        }
        return id
    }

    /// Takes the entry for an answer, if it matches.
    mutating func take(id: String?, from responder: JID) -> Entry? {
        guard let id, let e = entries[id], e.target == responder else { return nil }
        entries[id] = nil
        if let i = fifo.firstIndex(of: id) { fifo.remove(at: i) }
        return e
    }
}
