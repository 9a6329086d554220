import NIOCore
import XMPPCore

/// A simulated client's session inside the router. Confined to the server's event loop.
final class ClientSession: @unchecked Sendable {  // confined to the server loop
    let jid: FullJID
    /// Whether the client sent available presence without `to` (RFC 6121 "available resource").
    var available = false
    /// The last presence broadcast (without `to`) while available, for the account's resources
    /// that become available later (RFC 6121 §4.2.2).
    var presence: Element?
    /// Targets (at component domains and local accounts) that received available directed presence
    /// from this client, in the order they were first sent to (RFC 6121 §4.6: the server remembers
    /// these and sends them unavailable presence when the client goes).
    var directedPresence: [JID] = []
    /// False once the client disconnected; later sends are ignored.
    var connected = true
    /// Hands a stanza (already in `jabber:client`) to the client, in routing order.
    let deliver: (Element) -> Void
    /// Called once when the session ends.
    let finish: () -> Void

    init(jid: FullJID, deliver: @escaping (Element) -> Void, finish: @escaping () -> Void) {
        self.jid = jid
        self.deliver = deliver
        self.finish = finish
    }
}

/// The router's view of an authenticated component connection.
protocol ComponentEndpoint: AnyObject {
    /// Writes a stanza (already in `jabber:component:accept`) on the component stream.
    func write(_ stanza: Element)
    /// Sends a stream error, ends the stream and closes the connection; the future completes when
    /// the connection is closed (nil when it already was).
    @discardableResult
    func closeStream(condition: StreamErrorCondition, text: String?) -> EventLoopFuture<Void>?
}
