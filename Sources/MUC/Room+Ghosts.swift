import XMPPCore

/// Ghost users (XEP-0045 §18.1.2): occupants whose client is gone without the room being told.
extension Room {
    /// Error conditions that mean the recipient is gone: the delivery-related errors §18.1.2 names
    /// (gone, item-not-found, recipient-unavailable, redirect, remote-server-not-found,
    /// remote-server-timeout) and service-unavailable, which servers return for a stanza to a full
    /// JID that is no longer online (RFC 6121 §8.5.3.2). An error without a defined condition
    /// counts too (as in the widely deployed servers).
    static let ghostConditions: Set<StanzaError.Condition> = [
        .gone, .itemNotFound, .recipientUnavailable, .redirect, .remoteServerNotFound, .remoteServerTimeout,
        .serviceUnavailable,
    ]

    /// Whether an error stanza says its sender (an occupant's session) is gone.
    static func isGhostError(_ stanza: Stanza) -> Bool {
        guard let condition = stanza.error?.condition else { return true }
        return ghostConditions.contains(condition)
    }

    /// Prefix of the ids of the pings the room sends to occupants (`pingOccupants`).
    static let pingIDPrefix = "muc-ping-"

    /// §18.1.2, §11.1: a session answered with an error: it is treated as gone. The last session
    /// takes the occupant out (status 333, told to everyone); an earlier one leaves alone.
    mutating func removeGhost(session real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        guard let o = occupant(session: real) else { return }
        if o.sessions.count > 1 {
            var rest = o
            rest.sessions.removeAll { $0 == real }
            updateOccupant(rest)
            publish(rest, PresenceChange(), prevRole: rest.role, selfSessions: rest.sessions, ctx, &out)
            return
        }
        evict(nick: o.nick, codes: [.errorRemoval], actor: nil, reason: nil, ctx, &out)
    }

    /// §18.1.2 ("MAY also use XEP-0199 to check the availability of occupants"): one ping from the
    /// room to every session. Sessions that are gone bounce with an error, which removes them.
    mutating func pingOccupants(_ out: inout ActionList) {
        for s in everySession() {
            pingCounter &+= 1
            out.send(Element.stanza(.iq, from: address, to: s.description, id: Room.pingIDPrefix + String(pingCounter), type: "get",
                                    children: [Element("ping", namespace: NS.ping)]))
        }
    }
}
