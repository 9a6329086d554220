import ScansionCore
import XMPPCore

/// An account a script logs in with.
public struct ScansionAccount: Sendable, Equatable {
    /// The bare JID (a resource here is the one to bind).
    public var jid: String
    public var password: String
    /// The resource to bind; nil lets the connector choose.
    public var resource: String?

    public init(jid: String, password: String, resource: String? = nil) {
        self.jid = jid
        self.password = password
        self.resource = resource
    }
}

/// A logged-in client the runner drives. Implemented over the fake server's in-process clients;
/// a real-server implementation (c2s, SASL PLAIN, resource binding) slots in behind the same shape.
public protocol ScansionClient: AnyObject, Sendable {
    /// The full JID bound at log-in (`${Name's full JID}`).
    var fullJID: String { get }
    /// Sends one stanza in `jabber:client`; the server stamps `from`.
    func send(_ stanza: Element) async throws
    /// Closes the stream.
    func disconnect() async
}

/// Logs clients in.
public protocol ScansionConnector: Sendable {
    /// Logs in as `account`, binds a resource, and from then on hands every stanza the client receives
    /// to `onStanza` (in `jabber:client`, in arrival order, as soon as it arrives: the runner
    /// timestamps arrivals to tell stale stanzas from fresh ones). No initial presence is sent.
    func connect(_ account: ScansionAccount, onStanza: @escaping @Sendable (Element) -> Void) async throws -> any ScansionClient
}
