import NIOCore
import XMPPCore

/// A simulated client logged in to the fake server. It lives in-process (the component side is the
/// real socket path); what it sends is routed exactly like a real client's stanzas.
public final class FakeClient: @unchecked Sendable {
    /// The full JID bound at log-in.
    public let jid: FullJID
    /// Stanzas delivered to this client, in `jabber:client`, in delivery order. Empty when the client
    /// was connected with an `onStanza` handler. Finishes when the client disconnects.
    public let stanzas: AsyncStream<Element>

    let session: ClientSession
    private let loop: EventLoop
    private let router: Router

    init(jid: FullJID, loop: EventLoop, router: Router, onStanza: (@Sendable (Element) -> Void)?) {
        self.jid = jid
        self.loop = loop
        self.router = router
        let (stream, continuation) = AsyncStream<Element>.makeStream()
        self.stanzas = stream
        let deliver: (Element) -> Void
        if let onStanza {
            deliver = onStanza
            continuation.finish()
        } else {
            deliver = { continuation.yield($0) }
        }
        self.session = ClientSession(jid: jid, deliver: deliver, finish: { continuation.finish() })
    }

    /// Sends a stanza as this client; the server sets `from` to the client's full JID. Returns once
    /// the stanza is routed, so consecutive sends keep their order.
    public func send(_ stanza: Element) async {
        let session = self.session
        let router = self.router
        try? await loop.submit { router.fromClient(session, stanza) }.get()
    }

    /// Closes the client's stream: the server then sends unavailable presence to the component JIDs
    /// this client had sent available presence to.
    public func disconnect() async {
        let session = self.session
        let router = self.router
        try? await loop.submit { router.disconnect(session) }.get()
    }
}
