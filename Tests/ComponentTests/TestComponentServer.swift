import ComponentHandshake
import Foundation
import NIOCore
import NIOPosix
@testable import Component
import XMLStream
import XMPPCore

/// A minimal server side of XEP-0114 on 127.0.0.1, for the connector's integration tests:
/// it answers the stream header, checks the handshake, records stanzas and can push or drop.
final class TestComponentServer: @unchecked Sendable {
    enum Event: Sendable, Equatable {
        case streamOpened(to: String)
        case handshake(accepted: Bool)
        case stanza(String)
        case whitespace
        case streamClosedByComponent
        case disconnected
    }

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let secret: String
    private(set) var port = 0
    private var listener: Channel?
    private let lock = NSLock()
    private var current: Channel?
    private var streamCounter = 0
    let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation

    init(secret: String) {
        self.secret = secret
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
    }

    func start(port requested: Int = 0) async throws {
        let server = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(server: self))
                }
            }
        let ch = try await server.bind(host: "127.0.0.1", port: requested).get()
        listener = ch
        port = ch.localAddress?.port ?? 0
    }

    func stop() async {
        try? await listener?.close()
        lock.withLock { current }?.close(promise: nil)
        continuation.finish()
        try? await group.shutdownGracefully()
    }

    /// Sends raw XML to the connected component.
    func send(_ xml: String) {
        guard let ch = lock.withLock({ current }) else { return }
        ch.writeAndFlush(ch.allocator.buffer(string: xml), promise: nil)
    }

    /// Drops the TCP connection without closing the stream (a crash or network cut).
    func dropConnection() {
        lock.withLock { current }?.close(promise: nil)
    }

    /// The next event, or nil after `seconds`.
    func next(within seconds: Double = 10, where predicate: @escaping @Sendable (Event) -> Bool = { _ in true }) async -> Event? {
        await withTaskGroup(of: Event?.self) { group in
            group.addTask {
                for await e in self.events where predicate(e) { return e }
                return nil
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    fileprivate func emit(_ e: Event) { continuation.yield(e) }
    fileprivate func nextStreamID() -> String { lock.withLock { streamCounter += 1; return "s\(streamCounter)x\(UInt32.random(in: 0...UInt32.max))" } }
    fileprivate func setCurrent(_ ch: Channel?) { lock.withLock { current = ch } }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let server: TestComponentServer
        let parser = XMLStreamParser()
        var streamID = ""
        var authenticated = false

        init(server: TestComponentServer) { self.server = server }

        func channelActive(context: ChannelHandlerContext) {
            server.setCurrent(context.channel)
        }

        func channelInactive(context: ChannelHandlerContext) {
            server.emit(.disconnected)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            if authenticated, buffer.readableBytesView.allSatisfy({ $0 == 0x20 }) { server.emit(.whitespace) }
            guard let events = try? parser.feed(Array(buffer.readableBytesView)) else {
                context.close(promise: nil)
                return
            }
            for event in events {
                switch event {
                case .streamStart(let header):
                    streamID = server.nextStreamID()
                    let to = header.attribute("to") ?? ""
                    server.emit(.streamOpened(to: to))
                    write(context, ComponentStream.header(from: to, id: streamID))
                case .stanza(let e) where e.name == "handshake":
                    let ok = e.text == componentHandshakeDigest(streamID: streamID, secret: server.secret)
                    server.emit(.handshake(accepted: ok))
                    if ok {
                        authenticated = true
                        write(context, "<handshake/>")
                    } else {
                        write(context, ComponentStream.error(.notAuthorized))
                        context.close(promise: nil)
                    }
                case .stanza(let e):
                    server.emit(.stanza(Serializer.string(e)))
                case .streamEnd:
                    server.emit(.streamClosedByComponent)
                    write(context, ComponentStream.end)
                    context.close(promise: nil)
                }
            }
        }

        func write(_ context: ChannelHandlerContext, _ s: String) {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: s)), promise: nil)
        }
    }
}
