import Foundation
import NIOCore
import NIOPosix
import XMPPCore

/// A small XMPP server for tests and benchmarks. It listens on loopback for the component's real
/// XEP-0114 connection (checking its handshake as real servers do), hosts simulated clients
/// in-process, and routes stanzas between them and the component like a real server (see `Router`
/// for the exact rules).
///
/// ```swift
/// let server = try await FakeServer.start(FakeServerConfiguration(componentDomain: "conference.localhost", secret: "s3cret"))
/// // point the component at 127.0.0.1:server.port
/// try await server.waitForComponentAuthenticated()
/// let romeo = try await server.connectClient("user@localhost")
/// await romeo.send(presence)
/// for await stanza in romeo.stanzas { … }
/// await server.stop()
/// ```
public final class FakeServer: @unchecked Sendable {
    public let configuration: FakeServerConfiguration
    let loop: EventLoop
    let router: Router
    let eventLog: EventLog

    private let lock = NSLock()
    private var channel: Channel?
    private var boundPort = 0

    /// Creates a stopped server. All of its connections and routing run on one event loop of `group`.
    public init(configuration: FakeServerConfiguration = FakeServerConfiguration(),
                group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.loop = group.next()
        self.eventLog = EventLog()
        self.router = Router(configuration: configuration, events: eventLog)
    }

    /// Creates and starts a server.
    public static func start(_ configuration: FakeServerConfiguration = FakeServerConfiguration(),
                             group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> FakeServer {
        let server = FakeServer(configuration: configuration, group: group)
        try await server.start()
        return server
    }

    /// The port the component port listens on (valid after `start()`).
    public var port: Int { lock.withLock { boundPort } }

    /// The host the component should connect to.
    public var host: String { configuration.host }

    /// Binds the component port.
    public func start() async throws {
        let router = self.router
        let events = self.eventLog
        let configuration = self.configuration
        let channel = try await ServerBootstrap(group: loop)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ComponentSessionHandler(configuration: configuration, router: router, events: events))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        lock.withLock {
            self.channel = channel
            self.boundPort = channel.localAddress?.port ?? 0
        }
    }

    /// Stops listening, ends every component stream with `system-shutdown` and ends every client.
    public func stop() async {
        let channel: Channel? = lock.withLock {
            let c = self.channel
            self.channel = nil
            return c
        }
        try? await channel?.close()
        let router = self.router
        let closed: [EventLoopFuture<Void>]? = try? await loop.submit { router.shutdown() }.get()
        for future in closed ?? [] { try? await future.get() }
    }

    // MARK: Events

    /// Everything recorded so far, oldest first.
    public var events: [FakeServerEvent] { eventLog.snapshot }

    /// How many events were recorded so far (an index to wait from).
    public var eventCount: Int { eventLog.count }

    /// Waits for the first event at index `from` or later that satisfies `predicate`.
    @discardableResult
    public func waitForEvent(from index: Int = 0, timeout: Duration = .seconds(10),
                             where predicate: @escaping @Sendable (FakeServerEvent) -> Bool) async throws -> FakeServerEvent {
        try await eventLog.wait(from: index, timeout: TimeAmount(timeout), description: "a matching event", where: predicate)
    }

    /// Returns once a component is authenticated for `domain` (the only configured one when nil).
    public func waitForComponentAuthenticated(domain: String? = nil, timeout: Duration = .seconds(10)) async throws {
        let domain = domain ?? configuration.components.keys.sorted().first ?? ""
        let router = self.router
        let log = self.eventLog
        let (ready, index) = try await loop.submit { (router.hasComponent(domain), log.count) }.get()
        if ready { return }
        _ = try await eventLog.wait(from: index, timeout: TimeAmount(timeout), description: "component \(domain) to authenticate") {
            $0 == .componentAuthenticated(domain: domain)
        }
    }

    /// Ends the component's stream for `domain` with a stream error (as a restarting server would),
    /// and waits until the connection is closed.
    public func dropComponent(domain: String, condition: StreamErrorCondition = .systemShutdown) async {
        let router = self.router
        let closed = try? await loop.submit { router.component(for: domain)?.closeStream(condition: condition, text: nil) }.get()
        if let closed { try? await closed.get() }
    }

    /// Whether a component is currently authenticated for `domain`.
    public func isComponentConnected(domain: String) async -> Bool {
        let router = self.router
        return (try? await loop.submit { router.hasComponent(domain) }.get()) ?? false
    }

    // MARK: Clients

    /// Logs a simulated client in (no password check: the accounts are simulated) and binds `resource`,
    /// or the resource of `jid` when it has one, or a random one.
    ///
    /// - Parameter onStanza: when given, each stanza delivered to the client is handed to it at once
    ///   (on the server's event loop, in order) instead of being buffered in `FakeClient.stanzas`.
    public func connectClient(_ jid: String, resource: String? = nil,
                              onStanza: (@Sendable (Element) -> Void)? = nil) async throws -> FakeClient {
        guard lock.withLock({ channel != nil }) else { throw FakeServerError.notRunning }
        guard let parsed = try? JID(jid), parsed.localpart != nil, parsed.domain == configuration.clientDomain else {
            throw FakeServerError.invalidClientJID(jid)
        }
        let chosen = resource ?? parsed.resource ?? FakeServer.randomResource()
        guard let full = try? parsed.bare.with(resource: chosen) else { throw FakeServerError.invalidClientJID(jid) }
        let client = FakeClient(jid: full, loop: loop, router: router, onStanza: onStanza)
        let router = self.router
        let session = client.session
        do {
            try await loop.submit { try router.connect(session) }.get()
        } catch {
            throw FakeServerError.resourceConflict(full.description)
        }
        return client
    }

    static func randomResource() -> String {
        "res-" + String(UInt32.random(in: 0 ... .max), radix: 36)
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
