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
