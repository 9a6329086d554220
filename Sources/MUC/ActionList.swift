import XMPPCore

/// Accumulates the actions produced while handling one stanza.
struct ActionList {
    var actions: [MUCAction] = []

    /// Sends a stanza whose `to` is already set.
    mutating func send(_ stanza: Element) {
        actions.append(.send(stanza))
    }

    /// Sends `stanza` to one recipient.
    mutating func send(_ stanza: Element, to recipient: JID) {
        var s = stanza
        s.setAttribute("to", recipient.description)
        actions.append(.send(s))
    }

    /// Sends `stanza` to every recipient: one `.send` for a single recipient, else one `.broadcast`
    /// (serialized once by the runtime).
    mutating func emit(_ stanza: Element, to recipients: [JID]) {
        switch recipients.count {
        case 0: return
        case 1: send(stanza, to: recipients[0])
        default:
            var s = stanza
            s.setAttribute("to", nil)
            actions.append(.broadcast(s, to: recipients))
        }
    }

    mutating func append(_ action: MUCAction) { actions.append(action) }
    mutating func append(contentsOf other: ActionList) { actions.append(contentsOf: other.actions) }
}
