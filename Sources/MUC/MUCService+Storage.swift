import XMPPCore

/// A room's whole state at one moment, kept by the runtime while a change is being stored so the
/// change can be undone if storing fails (nothing half-applied stays in memory).
public struct RoomSnapshot: Sendable {
    public let jid: BareJID
    let room: Room?
}

extension MUCService {
    /// Whether the room is in memory (the runtime loads stored rooms lazily, on first use).
    public func hasRoom(_ jid: BareJID) -> Bool { rooms[jid] != nil }

    /// The room's state now (cheap: rooms are values with copy-on-write storage).
    public func snapshot(of jid: BareJID) -> RoomSnapshot { RoomSnapshot(jid: jid, room: rooms[jid]) }

    /// Puts a room back as it was when `snapshot` was taken.
    public mutating func restore(_ snapshot: RoomSnapshot) { rooms[snapshot.jid] = snapshot.room }
}

extension MUCService {
    /// Public, unlocked rooms in memory, in JID order: what §6.3 lists, before the runtime merges
    /// the stored rooms that are not loaded.
    public func publicRoomsInMemory() -> [(jid: BareJID, name: String)] {
        var out: [(jid: BareJID, name: String)] = []
        for (key, room) in rooms where room.config.isPublic && !room.locked {
            out.append((key, room.displayName))
        }
        out.sort { $0.jid < $1.jid }
        return out
    }
}

extension MUCService {
    /// Whether one more room fits under `settings.maxRooms`, after dropping the longest-idle
    /// persistent empty room from memory if needed (and allowed: `unloadsIdleRooms`). The runtime
    /// asks before loading a stored room; room creation asks by itself.
    public mutating func makeSpaceForRoom() -> Bool {
        let limit = settings.maxRooms
        guard limit > 0 else { return true }
        while rooms.count >= limit {
            guard unloadsIdleRooms, let jid = idleRooms.next(where: { rooms[$0].map(Self.isUnloadable) ?? false }) else {
                return false
            }
            rooms[jid] = nil
        }
        return true
    }

    /// Whether idle rooms are worth listing: there is a bound, and rooms may leave memory.
    var tracksIdleRooms: Bool { settings.maxRooms > 0 && unloadsIdleRooms }

    /// A room that can leave memory without losing anything durable: stored, configured, empty.
    /// (Its discussion history goes, as on a restart: history is not stored.)
    static func isUnloadable(_ room: Room) -> Bool {
        room.occupantCount == 0 && room.isStored && !room.destroyed
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
