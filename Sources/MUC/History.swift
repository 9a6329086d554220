import XMPPCore

/// Recent groupchat messages, replayed to joiners between their self-presence and the subject
/// (XEP-0045 §7.2.13, §7.2.14).
struct History {
    struct Entry {
        /// The message as reflected (from `room@service/nick`, no `to`).
        var message: Element
        /// When it was received, seconds since 1970.
        var time: Double
    }

    /// A ring buffer: `ring[start...]` then `ring[..<start]`, oldest to newest.
    private var ring: [Entry] = []
    private var start = 0

    /// Messages held.
    var count: Int { ring.count }

    /// Entries, oldest first.
    var entries: [Entry] {
        start == 0 ? ring : Array(ring[start...] + ring[..<start])
    }

    /// Keeps `message`, dropping the oldest entry beyond `limit` (O(1) per message).
    mutating func record(_ message: Element, at time: Double, limit: Int) {
        guard limit > 0 else { ring.removeAll(); start = 0; return }
        if ring.count > limit { trim(to: limit) }
        let entry = Entry(message: message, time: time)
        if ring.count < limit {
            if start != 0 { ring = entries; start = 0 }
            ring.append(entry)
        } else {
            ring[start] = entry
            start = (start + 1) % ring.count
        }
    }

    /// Removes the message whose stanza id (given `by` the room) is `stanzaID` (XEP-0424, XEP-0425),
    /// only if its occupant id is `author` when one is given (an author retracts its own messages
    /// only). Returns the removed message.
    @discardableResult
    mutating func remove(stanzaID: String, by room: String, author: String? = nil) -> Element? {
        let all = entries
        guard let i = all.lastIndex(where: { entry in
            entry.message.children("stanza-id", namespace: NS.stanzaID).contains {
                $0.attribute("id") == stanzaID && $0.attribute("by") == room
            }
        }) else { return nil }
        if let author, all[i].message.child("occupant-id", namespace: NS.occupantID)?.attribute("id") != author { return nil }
        var kept = all
        let removed = kept.remove(at: i)
        ring = kept
        start = 0
        return removed.message
    }

    /// Keeps only the newest `limit` entries (after the room's history length was lowered).
    mutating func trim(to limit: Int) {
        let all = entries
        ring = Array(all.suffix(max(0, limit)))
        start = 0
    }

    /// What a joiner asked for in `<history/>` (§7.2.14); every limit applies.
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
            // §7.9: history a client sent with its own delay (a converted one-to-one chat) keeps it alone.
            if m.child("delay", namespace: NS.delay) == nil {
                m.append(Element("delay", namespace: NS.delay, attrs: ["from": room, "stamp": Timestamp.format(entry.time)]))
            }
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
