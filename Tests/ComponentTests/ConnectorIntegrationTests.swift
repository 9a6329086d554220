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
        do { try await body(component) } catch { await component.shutdown(); _ = await running.result; throw error }
        await component.shutdown()
        _ = await running.result
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
        await component.shutdown()
        _ = await running.result
    }
}
