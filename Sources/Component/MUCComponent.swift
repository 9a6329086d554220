import Foundation
import Logging
import MUCConfig
import NIOCore
import NIOPosix
import RoomStore
import ServiceLifecycle
import XMLStream
import XMPPCore

/// The running service: keeps one XEP-0114 link to the XMPP server up (reconnecting with backoff),
/// hands every stanza to the processor (the MUC service) and writes what it produces.
///
/// All mutable state is confined to one event loop; the async entry points hop onto it.
public final class MUCComponent: Service, CustomStringConvertible, @unchecked Sendable {
    public let configuration: Configuration
    let logger: Logger
    let secret: String
    let group: MultiThreadedEventLoopGroup
    let loop: EventLoop
    let backoff: Backoff
    let environment: [String: String]
    let injectedStore: (any RoomStore)?

    // Confined to `loop`.
    /// The MUC service with its runtime, made in `run()` once the store is open.
    private var processor: MUCRouter?
    /// The archive's retention job (`[archive] retention_days`, `max_messages_per_room`), while running.
    private var retentionJob: Task<Void, Never>?
    private var link: ComponentLink?
    private var queue: OutgoingQueue
    private var stopping = false
    private var wakeup: EventLoopPromise<Void>?
    private var lastStreamError: StreamErrorCondition?
    private var everReadyOnThisLink = false
    private var readyWaiters: [EventLoopPromise<Void>] = []
    private var connectionsMade = 0

    /// Creates the service.
    /// - Parameter secret: the resolved component secret.
    /// - Parameter store: a store to use instead of the one the configuration names (tests).
    public init(configuration: Configuration, secret: String, logger: Logger, store: (any RoomStore)? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.configuration = configuration
        self.injectedStore = store
        self.environment = environment
        self.secret = secret
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.loop = group.next()
        self.backoff = Backoff(initial: configuration.component.reconnectInitialSeconds,
                               maximum: configuration.component.reconnectMaxSeconds)
        self.queue = OutgoingQueue(limit: configuration.component.outgoingQueueLimit)
    }

    /// Never prints the secret (swift-service-lifecycle logs service descriptions).
    public var description: String {
        "MUCComponent(domain: \(configuration.component.domain), server: \(serverDescription))"
    }

    var serverDescription: String { "\(configuration.component.host):\(configuration.component.port)" }

    // MARK: Lifecycle

    /// Connects, serves and reconnects until `shutdown()` is called or a graceful shutdown is requested
    /// (SIGTERM/SIGINT under a `ServiceGroup`).
    public func run() async throws {
        var store: (any RoomStore)? = nil
        do {
            if let injectedStore {
                _ = try await injectedStore.migrate()
                store = injectedStore
            } else if configuration.storage.backend != .memory {
                store = try await StoreFactory.open(configuration, environment: environment, logger: logger)
            } else {
                // The rooms live in the service itself (never unloaded): no store, so no
                // lookups and no saves on the join path.
                logger.info("storage: memory (rooms last until the service stops)")
            }
            // The archive lives beside the rooms; with the memory backend, in memory too.
            let archive: any ArchiveStore = store ?? MemoryRoomStore()
            let retention = ArchiveRetentionPolicy(configuration.archive)
            try await loop.submit { [store] in
                let router = MUCRouter(configuration: self.configuration, secret: self.secret, store: store,
                                       archive: archive, host: self, logger: self.logger)
                router.archiveWriter?.tracksTouchedRooms = retention.maxMessagesPerRoom != nil
                self.processor = router
            }.get()
            if configuration.archive.enabled && retention.deletes {
                let loop = self.loop
                retentionJob = Task { [logger] in
                    await ArchiveRetention.run(archive, policy: retention, touched: { [weak self] in
                        (try? await loop.submit { self?.processor?.archiveWriter?.takeTouchedRooms() ?? [] }.get()) ?? []
                    }, logger: logger)
                }
            }
        } catch {
            logger.critical("cannot open the room store: \(error)")
            try? await loop.submit { self.failReadyWaiters() }.get()
            throw error
        }
        await withGracefulShutdownHandler {
            await self.connectLoop()
        } onGracefulShutdown: {
            self.loop.execute { self.requestStop() }
        }
        retentionJob?.cancel()
        await retentionJob?.value
        await store?.close()
        // The event loop is not shut down here but with the service (deinit): a caller may still be
        // hopping onto it (`shutdown()` returns after `run()` has ended), and NIO drops work handed
        // to a loop that is gone, so such a caller would wait forever.
    }

    deinit {
        group.shutdownGracefully { _ in }
    }

    /// Ends the stream politely and makes `run()` return.
    public func shutdown() async {
        try? await loop.submit { self.requestStop() }.get()
    }

    /// Waits until the link is authenticated (for tests and tools).
    public func waitUntilReady() async throws {
        let future: EventLoopFuture<Void> = try await loop.submit {
            if self.link?.isReady == true { return self.loop.makeSucceededVoidFuture() }
            let p = self.loop.makePromise(of: Void.self)
            self.readyWaiters.append(p)
            return p.futureResult
        }.get()
        try await future.get()
    }

    /// Sends a stanza to the server; while disconnected it is held in the bounded outgoing queue.
    public func send(_ element: Element) {
        loop.execute { self.deliver(Serializer.bytes(element)) }
    }

    /// Stanzas currently held while disconnected, and the number dropped since start.
    public func queueState() async -> (held: Int, dropped: Int) {
        (try? await loop.submit { (self.queue.count, self.queue.dropped) }.get()) ?? (0, 0)
    }

    /// Successful handshakes since start (tests check reconnection with it).
    public func connectionCount() async -> Int {
        (try? await loop.submit { self.connectionsMade }.get()) ?? 0
    }

    private func requestStop() {
        guard !stopping else { return }
        stopping = true
        logger.info("shutting down: closing the stream to \(serverDescription)")
        if let w = wakeup { wakeup = nil; w.succeed(()) }
        if let link, link.isReady {
            processor?.willShutdown(out: link.outbox)
            link.flush()
        }
        link?.closeGracefully(timeout: .seconds(2))
        failReadyWaiters()
    }

    private func failReadyWaiters() {
        for w in readyWaiters { w.fail(CancellationError()) }
        readyWaiters.removeAll()
    }

    private func deliver(_ bytes: [UInt8]) {
        withOutbox { $0.send(bytes: bytes) }
    }

    // MARK: Connecting

    private func connectLoop() async {
        var attempt = 0
        while true {
            let isStopping = (try? await loop.submit { self.stopping }.get()) ?? true
            if isStopping { break }
            let wasReady = await connectOnce()
            let (stopped, streamError) = (try? await loop.submit { (self.stopping, self.lastStreamError) }.get()) ?? (true, nil)
            if stopped { break }
            if wasReady { attempt = 0 }
            let delay = backoff.delay(attempt: attempt, jitter: Double.random(in: 0...1))
            attempt += 1
            let why = streamError.map { " after stream error '\($0.rawValue)'" } ?? ""
            logger.notice("reconnecting to \(serverDescription)\(why) in \(String(format: "%.1f", delay)) s (attempt \(attempt))")
            await sleep(seconds: delay)
        }
    }

    /// One connection, from connect to close. Returns whether it got past the handshake.
    private func connectOnce() async -> Bool {
        let c = configuration.component
        let link = ComponentLink(domain: c.domain, secret: secret, serverDescription: serverDescription,
                                 limits: XMLStreamLimits(maxStanzaBytes: configuration.limits.maxStanzaBytes),
                                 logger: logger, delegate: self)
        let keepalive = c.keepaliveSeconds
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(c.connectTimeoutSeconds * 1000)))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelOption(ChannelOptions.writeBufferWaterMark, value: ComponentLink.writeBufferWaterMark)
            .channelOption(ChannelOptions.recvAllocator, value: ComponentLink.receiveAllocator)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if keepalive > 0 {
                        try channel.pipeline.syncOperations.addHandler(
                            IdleStateHandler(writeTimeout: .milliseconds(Int64(keepalive * 1000))))
                    }
                    try channel.pipeline.syncOperations.addHandler(link)
                }
            }
        let channel: Channel
        do {
            // A stop asked for since `connectLoop` last looked finds no link to close, so it is
            // checked again here, in the same turn that makes this link the current one.
            let stopped = try await loop.submit { () -> Bool in
                if self.stopping { return true }
                self.link = link
                self.lastStreamError = nil
                self.everReadyOnThisLink = false
                return false
            }.get()
            if stopped { return false }
            channel = try await bootstrap.connect(host: c.host, port: c.port).get()
        } catch {
            logger.error("cannot reach the XMPP server at \(serverDescription): \(Self.describe(error)). Is the server running, and is \(c.port) its component port (Prosody: component_ports, ejabberd: an ejabberd_service listener)?")
            _ = try? await loop.submit { self.link = nil }.get()
            return false
        }
        try? await channel.closeFuture.get()
        return (try? await loop.submit { () -> Bool in
            self.link = nil
            return self.everReadyOnThisLink
        }.get()) ?? false
    }

    private func sleep(seconds: Double) async {
        let future: EventLoopFuture<Void>? = try? await loop.submit {
            if self.stopping { return self.loop.makeSucceededVoidFuture() }
            let p = self.loop.makePromise(of: Void.self)
            self.wakeup = p
            self.loop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
                if let w = self.wakeup, w.futureResult === p.futureResult { self.wakeup = nil; w.succeed(()) }
            }
            return p.futureResult
        }.get()
        try? await future?.get()
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? IOError { return e.description }
        if error is ChannelError { return "\(error)" }
        return "\(error)"
    }
}

extension MUCComponent: RouterHost {
    func inputMayResume() {
        link?.resumeInput()
    }

    func withOutbox(_ body: (Outbox) -> Void) {
        if let link, link.isReady {
            body(link.outbox)
            link.flush()
            return
        }
        // Disconnected: what the body writes goes to the bounded queue, stanza by stanza.
        let outbox = Outbox(allocator: ByteBufferAllocator(), recording: true)
        body(outbox)
        for bytes in outbox.recorded where !queue.append(bytes) {
            logger.warning("outgoing queue full (\(queue.limit) stanzas) while disconnected: dropped the oldest stanza (\(queue.dropped) dropped so far)")
        }
    }
}

extension MUCComponent: ComponentLinkDelegate {
    func linkReady(_ link: ComponentLink) {
        everReadyOnThisLink = true
        connectionsMade += 1
        let held = queue.drain()
        if !held.isEmpty {
            logger.info("sending \(held.count) stanzas held while disconnected")
            for bytes in held { link.outbox.send(bytes: bytes) }
            link.flush()
        }
        if connectionsMade > 1 {
            processor?.linkReestablished(out: link.outbox)
            link.flush()
        }
        for w in readyWaiters { w.succeed(()) }
        readyWaiters.removeAll()
    }

    func link(_ link: ComponentLink, received stanza: Element) {
        processor?.process(stanza, now: Date().timeIntervalSince1970, out: link.outbox)
    }

    var acceptsInput: Bool { processor?.acceptsInput ?? true }

    func link(_ link: ComponentLink, streamError condition: StreamErrorCondition) {
        lastStreamError = condition
    }

    func linkClosed(_ link: ComponentLink) {
        if (link.isReady || everReadyOnThisLink) && !link.closingOnPurpose && !stopping {
            logger.warning("lost the connection to the XMPP server at \(serverDescription)")
        }
    }
}
