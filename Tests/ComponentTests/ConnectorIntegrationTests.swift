import Foundation
import Testing
@testable import Component
import MUCConfig
import XMPPCore

/// The connector against a real TCP listener on 127.0.0.1 that plays the server side of XEP-0114.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ConnectorIntegrationTests {
    static func configuration(port: Int, queueLimit: Int = 100) -> Configuration {
        var c = Configuration()
        c.component.domain = "conference.localhost"
        c.component.host = "127.0.0.1"
        c.component.port = port
        c.component.secret = .literal("s3cret")
        c.component.reconnectInitialSeconds = 0.05
        c.component.reconnectMaxSeconds = 0.2
        c.component.outgoingQueueLimit = queueLimit
        c.storage.backend = .memory
        return c
    }

    /// Starts the component, runs `body`, shuts down and waits for `run()` to return.
    static func withComponent(port: Int, secret: String = "s3cret", queueLimit: Int = 100, logs: LogCapture = LogCapture(),
                              _ body: (MUCComponent) async throws -> Void) async throws {
        let component = MUCComponent(configuration: configuration(port: port, queueLimit: queueLimit), secret: secret, logger: logs.logger)
        let running = Task { try await component.run() }
        do { try await body(component) } catch { await stop(component, running); throw error }
        await stop(component, running)
    }

    @Test func handshakeAndStanzasBothWays() async throws {
        let server = TestComponentServer(secret: "s3cret")
        try await server.start()
        defer { Task { await server.stop() } }
        try await Self.withComponent(port: server.port) { component in
            #expect(await server.next() == .streamOpened(to: "conference.localhost"))
            #expect(await server.next() == .handshake(accepted: true))
            try await component.waitUntilReady()
            // Server → component → server: disco#info of the service is answered.
            server.send("<iq type='get' id='d1' from='romeo@localhost/x' to='conference.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
            let reply = await server.next { if case .stanza = $0 { return true } else { return false } }
            guard case .stanza(let xml)? = reply else { Issue.record("no reply"); return }
            #expect(xml.contains("type='result'"))
            #expect(xml.contains("id='d1'"))
            #expect(xml.contains("to='romeo@localhost/x'"))
            #expect(xml.contains("from='conference.localhost'"))
            // Component → server.
            component.send(Element.stanza(.message, from: "conference.localhost", to: "romeo@localhost/x", id: "push1"))
            let pushed = await server.next { if case .stanza = $0 { return true } else { return false } }
            #expect(pushed == .stanza("<message from='conference.localhost' to='romeo@localhost/x' id='push1'/>"))
        }
        #expect(await server.next() == .streamClosedByComponent)
    }

    @Test func wrongSecretIsLoggedAsSuch() async throws {
        let server = TestComponentServer(secret: "right")
        try await server.start()
        defer { Task { await server.stop() } }
        let logs = LogCapture()
        try await Self.withComponent(port: server.port, secret: "wrong", logs: logs) { _ in
            #expect(await server.next { if case .handshake = $0 { return true } else { return false } } == .handshake(accepted: false))
            #expect(await server.next { $0 == .disconnected } == .disconnected)
            // It retries with backoff (a second refused handshake), never spinning.
            #expect(await server.next { if case .handshake = $0 { return true } else { return false } } == .handshake(accepted: false))
        }
        #expect(logs.contains("secret is wrong", atLeast: .error))
    }

    @Test func reconnectsAfterTheServerDropsTheConnection() async throws {
        let server = TestComponentServer(secret: "s3cret")
        try await server.start()
        defer { Task { await server.stop() } }
        let logs = LogCapture()
        try await Self.withComponent(port: server.port, logs: logs) { component in
            try await component.waitUntilReady()
            server.dropConnection()
            #expect(await server.next { $0 == .disconnected } == .disconnected)
            #expect(await server.next { if case .handshake = $0 { return true } else { return false } } == .handshake(accepted: true))
            try await component.waitUntilReady()
            #expect(await component.connectionCount() == 2)
        }
        #expect(logs.contains("lost the connection"))
        #expect(logs.contains("reconnecting"))
    }

    @Test func unreachableServerIsExplainedAndStanzasAreHeldUntilConnected() async throws {
        // Find a free port, then leave nothing listening on it.
        let probe = TestComponentServer(secret: "s3cret")
        try await probe.start()
        let port = probe.port
        await probe.stop()
        let logs = LogCapture()
        try await Self.withComponent(port: port, queueLimit: 2, logs: logs) { component in
            #expect(await logs.waitFor("cannot reach the XMPP server", atLeast: .error))
            for i in 1...3 {
                component.send(Element.stanza(.message, from: "conference.localhost", to: "u@localhost/r", id: "q\(i)"))
            }
            let state = await component.queueState()
            #expect(state.held == 2)
            #expect(state.dropped == 1)
            // The server comes up on that port: the held stanzas go out, oldest first, after the handshake.
            let server = TestComponentServer(secret: "s3cret")
            try await server.start(port: port)
            defer { Task { await server.stop() } }
            #expect(await server.next { if case .handshake = $0 { return true } else { return false } } == .handshake(accepted: true))
            #expect(await server.next { if case .stanza = $0 { return true } else { return false } } == .stanza("<message from='conference.localhost' to='u@localhost/r' id='q2'/>"))
            #expect(await server.next { if case .stanza = $0 { return true } else { return false } } == .stanza("<message from='conference.localhost' to='u@localhost/r' id='q3'/>"))
        }
    }

    @Test func whitespaceKeepaliveOnAnIdleLink() async throws {
        let server = TestComponentServer(secret: "s3cret")
        try await server.start()
        defer { Task { await server.stop() } }
        var c = Self.configuration(port: server.port)
        c.component.keepaliveSeconds = 0.2
        let component = MUCComponent(configuration: c, secret: "s3cret", logger: LogCapture().logger)
        let running = Task { try await component.run() }
        try await component.waitUntilReady()
        #expect(await server.next { $0 == .whitespace } == .whitespace)
        await stop(component, running)
    }

    /// A stop requested while the TCP connection is still being made ends `run()` too: the
    /// connection that completes afterwards is closed (a connection nobody closes would keep
    /// `run()` waiting forever).
    @Test func stopWhileConnectingStillEndsRun() async throws {
        // The server's accept queue is full, so the component's SYN waits for a retransmission.
        let listener = try StalledListener()
        defer { listener.close() }
        let component = MUCComponent(configuration: Self.configuration(port: listener.port), secret: "s3cret",
                                     logger: LogCapture().logger)
        let done = Flag()
        let running = Task { _ = try? await component.run(); done.set() }
        try await Task.sleep(for: .milliseconds(300))
        await component.shutdown()
        // Room in the queue again: the retransmitted SYN (about a second after the first) connects.
        var waited = 0.0
        while !done.isSet && waited < 8 {
            listener.acceptPending()
            try await Task.sleep(for: .milliseconds(50))
            waited += 0.05
        }
        #expect(done.isSet, "run() did not return after shutdown() during a connect")
        if done.isSet { _ = await running.result }
    }

    /// The service's entry points still answer once `run()` has returned. Its event loop used to
    /// be shut down at the end of `run()`; NIO drops work handed to a loop that is gone, so a caller
    /// whose hop came a moment too late (`shutdown()` racing the end it caused) waited forever. That
    /// hung the whole test run now and then.
    @Test func entryPointsAnswerAfterRunHasEnded() async throws {
        let server = TestComponentServer(secret: "s3cret")
        try await server.start()
        defer { Task { await server.stop() } }
        let component = MUCComponent(configuration: Self.configuration(port: server.port), secret: "s3cret",
                                     logger: LogCapture().logger)
        let running = Task { try await component.run() }
        try await component.waitUntilReady()
        await stop(component, running)
        #expect(await finishes(within: 5) { await component.shutdown() }, "shutdown() after run() hangs")
        #expect(await finishes(within: 5) { _ = await component.connectionCount() }, "connectionCount() after run() hangs")
    }
}

/// A listening socket on 127.0.0.1 whose accept queue is full (one connection made and never
/// accepted, backlog 0): further connection attempts wait in the kernel until `acceptPending()`.
final class StalledListener: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private let filler: Int32
    private var accepted: [Int32] = []

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0, listen(fd, 0) == 0 else { _ = Glibc.close(fd); throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        // Fill the queue: this connection completes in the kernel and is never accepted.
        let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, len) } }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        self.filler = filler
        self.port = Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Accepts whatever waits (and keeps it open, silent).
    func acceptPending() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            accepted.append(c)
        }
    }

    func close() {
        for c in accepted + [filler, fd] where c >= 0 { _ = Glibc.close(c) }
    }
}
