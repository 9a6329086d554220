import XMPPCore

/// What the service asks the runtime to do after handling a stanza. Actions are carried out in
/// order; the order is part of the protocol (XEP-0045 §7.1 "Order of Events").
public enum MUCAction: Sendable, Equatable {
    /// Send one stanza; its `to` and `from` are set.
    case send(Element)
    /// Send the same stanza to each recipient; only `to` differs. The element carries no `to`
    /// attribute: the runtime serializes it once and writes it N times with each recipient's
    /// address (the hot path of a groupchat message).
    case broadcast(Element, to: [JID])
    /// Send a joining session the presences of the room, one after the other, in the sequence's
    /// order (each with its `to` set); they are made while being written (see `Roster`).
    case roster(Roster)
    /// Durably store the room's state (persistent rooms only; never temporary ones); carry out
    /// `then` only after the store succeeded (an owner's iq result must not be sent before the
    /// change is stored).
    case persist(RoomRecord, then: [MUCAction])
    /// Remove a room from storage, then carry out `then`.
    case deleteRoom(BareJID, then: [MUCAction])
}

