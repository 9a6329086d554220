import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `muc-bench echo`: the trivial MUC component, attached to a server until SIGTERM or SIGINT.
struct EchoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Attach a do-nothing MUC component to a server (joins and groupchat reflection only), to measure the server's routing ceiling.")

    @Option(help: "The server's component host.")
    var host = "127.0.0.1"
    @Option(help: "The server's component port.")
    var port = 5347
    @Option(help: "The component domain to serve.")
    var domain = "conference.localhost"
    @Option(help: "The component secret.")
    var secret = "bench-secret"
    @Flag(help: "Add an occupant id and a stanza id to reflected messages, as muc-component does (same stanza size).")
    var ids = false

    func run() throws {
        // Signals are taken synchronously by this thread: block them before any other thread starts.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let echo = EchoComponent()
        echo.addIDs = ids
        let link = XMPPLink(role: .connector(domain: domain, secret: secret), validateXML: false)
        var closeReason: String?
        let lock = NSLock()
        echo.onClose = { why in
            lock.lock()
            closeReason = why ?? "closed"
            lock.unlock()
            // Wake the main thread's sigwait.
            kill(getpid(), SIGTERM)
        }
        let channel: Channel
        do {
            channel = try ClientBootstrap(group: group)
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Sockets.receiveBuffer))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        echo.attach(link)
                        try channel.pipeline.syncOperations.addHandler(link)
                    }
                }
                .connect(host: host, port: port).wait()
        } catch {
            progress("muc-bench echo: cannot connect to \(host):\(port): \(error)")
            throw ExitCode(2)
        }
        var received: Int32 = 0
        sigwait(&signals, &received)
        lock.lock()
        let reason = closeReason
        lock.unlock()
        try? channel.eventLoop.submit { link.close() }.wait()
        try? channel.closeFuture.wait()
        if let reason {
            progress("muc-bench echo: connection ended: \(reason)")
            throw ExitCode(1)
        }
    }
}
