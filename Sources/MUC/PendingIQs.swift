import XMPPCore

/// IQs forwarded from one occupant to another (§17.4 rule 3), keyed by the id the room gave them, so
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
