/// A room's occupants, by nick and in join order (the iteration order of every broadcast, so
/// output is deterministic).
///
/// Joins, leaves, renames and lookups cost O(1) whatever the size of the room: the join order is
/// an array of slots where a leaving occupant leaves a hole, and the holes are squeezed out once
/// they outnumber the occupants (amortised O(1) per leave). A room of 10 000 must not walk all of
/// them when one joins or leaves.
struct OccupantTable: Sequence {
    private var slots: [Occupant?] = []
    private var slotOfNick: [String: Int] = [:]

    var count: Int { slotOfNick.count }
    var isEmpty: Bool { slotOfNick.isEmpty }

    /// The occupant holding `nick`.
    subscript(nick: String) -> Occupant? {
        guard let i = slotOfNick[nick] else { return nil }
        return slots[i]
    }

    /// Adds an occupant after everyone present (its nick must be free).
    mutating func append(_ o: Occupant) {
        slotOfNick[o.nick] = slots.count
        slots.append(o)
    }

    /// Replaces the state of the occupant with the same nick, keeping its place.
    mutating func replace(_ o: Occupant) {
        guard let i = slotOfNick[o.nick] else { return }
        slots[i] = o
    }

    /// Takes the occupant holding `nick` out.
    mutating func remove(nick: String) -> Occupant? {
        guard let i = slotOfNick.removeValue(forKey: nick) else { return nil }
        let o = slots[i]
        slots[i] = nil
        if slotOfNick.isEmpty {
            slots.removeAll()
        } else if slots.count - slotOfNick.count > Swift.max(16, slotOfNick.count) {
            compact()
        }
        return o
    }

    /// Gives the occupant holding `old` the nick `new` (which must be free), keeping its place.
    mutating func rename(from old: String, to new: String) -> Occupant? {
        guard let i = slotOfNick.removeValue(forKey: old), var o = slots[i] else { return nil }
        o.nick = new
        slots[i] = o
        slotOfNick[new] = i
        return o
    }

    private mutating func compact() {
        var packed: [Occupant?] = []
        packed.reserveCapacity(slotOfNick.count)
        for case let o? in slots {
            slotOfNick[o.nick] = packed.count
            packed.append(o)
        }
        slots = packed
    }

    /// Calls `body` with each occupant in join order, without copying them out of the table (the
    /// loops over a whole room on joins and broadcasts).
    func forEach(_ body: (borrowing Occupant) -> Void) {
        slots.withUnsafeBufferPointer { buffer in
            for i in buffer.indices {
                guard buffer[i] != nil else { continue }
                body(buffer[i].unsafelyUnwrapped)
            }
        }
    }

    /// Occupants in join order.
    func makeIterator() -> Iterator { Iterator(slots: slots) }

    struct Iterator: IteratorProtocol {
        let slots: [Occupant?]
        var index = 0

        mutating func next() -> Occupant? {
            while index < slots.count {
                defer { index += 1 }
                if let o = slots[index] { return o }
            }
            return nil
        }
    }
}
