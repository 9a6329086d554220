import XMPPCore

/// Something the fake server observed or did, recorded for tests. Only rare events are
/// recorded (connections, handshakes, errors, bounces), never ordinary traffic, so the log stays
/// small under benchmark load.
public enum FakeServerEvent: Sendable, Hashable {
    /// A TCP connection reached the component port.
    case componentConnected
    /// A component opened its stream asking for this domain.
    case componentStreamOpened(domain: String)
    /// A component completed the XEP-0114 handshake for this domain.
    case componentAuthenticated(domain: String)
    /// A component sent a wrong handshake digest for this domain.
    case handshakeFailed(domain: String)
    /// The server sent a stream error on a component stream, then closed it.
    case streamErrorSent(condition: StreamErrorCondition, text: String?)
    /// A component connection closed; `domain` is nil when it never authenticated.
    case componentDisconnected(domain: String?)
    /// A simulated client logged in with this full JID.
    case clientConnected(jid: String)
    /// A simulated client went away.
    case clientDisconnected(jid: String)
    /// The server answered a stanza it could not deliver with this error (sent to `to`).
    case bounced(condition: String, to: String, original: Element)

    /// The condition of a `streamErrorSent` event.
    public var streamErrorCondition: StreamErrorCondition? {
        if case .streamErrorSent(let condition, _) = self { return condition }
        return nil
    }
}

/// Why waiting on the fake server gave up.
public enum FakeServerWaitError: Error, Sendable, Equatable {
    /// The awaited event did not happen in time.
    case timedOut(waitingFor: String)
}
