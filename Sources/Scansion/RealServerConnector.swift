import ScansionCore
import NIOCore
import NIOPosix
import XMPPCore

/// Logs script clients in to a real XMPP server over its client port, the way a client does:
/// `jabber:client` stream, SASL PLAIN over plain TCP (meant for a server on loopback, where it
/// needs no TLS), resource binding with the JID's resource if it has one (else the server picks),
/// and session establishment when the server advertises it as required.
///
/// The server must allow PLAIN without TLS (Prosody: `c2s_require_encryption = false` and
/// `allow_unencrypted_plain_auth = true`; ejabberd: a c2s listener without `starttls_required`).
public struct RealServerConnector: ScansionConnector {
    /// Host of the server's client port.
    public var host: String
    /// The server's client (c2s) port.
    public var port: Int
    /// How long the TCP connection and the whole log-in may take.
    public var loginTimeout: Duration
    /// How long `disconnect()` waits for the server to close its side of the stream.
    public var closeTimeout: Duration
    let group: any EventLoopGroup

    public init(host: String = "127.0.0.1", port: Int = 5222, loginTimeout: Duration = .seconds(10),
                closeTimeout: Duration = .seconds(3), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.host = host
        self.port = port
        self.loginTimeout = loginTimeout
        self.closeTimeout = closeTimeout
        self.group = group
    }

    public func connect(_ account: ScansionAccount, onStanza: @escaping @Sendable (Element) -> Void) async throws -> any ScansionClient {
        let parts = try RealServerAccount(account)
        let loop = group.next()
        let login = loop.makePromise(of: String.self)
        let handler = RealServerStreamHandler(account: parts, login: login, onStanza: onStanza)
        let timeout = Self.timeAmount(loginTimeout)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            login.fail(RealServerError.unreachable(address: "\(host):\(port)", reason: "\(error)"))
            throw RealServerError.unreachable(address: "\(host):\(port)", reason: "\(error)")
        }
        let timer = loop.scheduleTask(in: timeout) { handler.timeOut() }
        do {
            let jid = try await login.futureResult.get()
            timer.cancel()
            return RealServerClient(channel: channel, handler: handler, fullJID: jid, closeTimeout: Self.timeAmount(closeTimeout))
        } catch {
            timer.cancel()
            try? await channel.close()
            throw error
        }
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        let (seconds, attoseconds) = d.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// A client logged in to a real server.
final class RealServerClient: ScansionClient, @unchecked Sendable {
    let channel: Channel
    let handler: RealServerStreamHandler
    let fullJID: String
    let closeTimeout: TimeAmount

    init(channel: Channel, handler: RealServerStreamHandler, fullJID: String, closeTimeout: TimeAmount) {
        self.channel = channel
        self.handler = handler
        self.fullJID = fullJID
        self.closeTimeout = closeTimeout
    }

    /// Writes the stanza and returns once it is on the socket, so consecutive sends keep their order.
    func send(_ stanza: Element) async throws {
        let handler = self.handler
        let written = try await channel.eventLoop.submit { handler.write(stanza) }.get()
        guard let written else { throw RealServerError.closedByServer(phase: "sending a stanza") }
        try await written.get()
    }

    /// Ends the stream and waits until the server has closed it (so it has sent the unavailable
    /// presence it owes the rooms this client was in), or until the close timeout.
    func disconnect() async {
        let handler = self.handler
        let timeout = closeTimeout
        try? await channel.eventLoop.submit { handler.closeStream(timeout: timeout) }.get()
        try? await channel.closeFuture.get()
    }
}
