import ScansionCore
import FakeServer
import Foundation
import Scansion
import Testing
import XMPPCore

/// The fake server over real TCP, with a raw-socket component standing in for the service.
@Suite(.timeLimit(.minutes(3))) struct FakeServerTests {
    static let domain = "conference.localhost"
    static let secret = "s3cret"

    func startServer() async throws -> FakeServer {
        try await FakeServer.start(FakeServerConfiguration(componentDomain: Self.domain, secret: Self.secret))
    }

    /// Connects a raw component and completes the handshake.
    func authenticatedComponent(_ server: FakeServer) async throws -> RawComponent {
        let component = try RawComponent(port: server.port)
        let id = try await component.openStream(domain: Self.domain)
        component.send("<handshake>\(FakeServer.handshakeDigest(streamID: id, secret: Self.secret))</handshake>")
        try await component.waitFor("<handshake/>")
        try await server.waitForComponentAuthenticated()
        return component
    }

    @Test func handshakeSucceedsWithTheRightSecret() async throws {
        let server = try await startServer()
        defer { Task { await server.stop() } }
        let component = try await authenticatedComponent(server)
        #expect(component.received.contains("xmlns='jabber:component:accept'"))
        #expect(server.events.contains(.componentAuthenticated(domain: Self.domain)))
        #expect(await server.isComponentConnected(domain: Self.domain))
    }

    @Test func aWrongSecretGetsNotAuthorizedAndTheStreamCloses() async throws {
        let server = try await startServer()
        defer { Task { await server.stop() } }
        let component = try RawComponent(port: server.port)
        let id = try await component.openStream(domain: Self.domain)
        component.send("<handshake>\(FakeServer.handshakeDigest(streamID: id, secret: "wrong"))</handshake>")
        let text = try await component.waitForClose()
        #expect(text.contains("<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"))
        try await server.waitForEvent { $0 == .handshakeFailed(domain: Self.domain) }
        try await server.waitForEvent { $0.streamErrorCondition == .notAuthorized }
        #expect(await !server.isComponentConnected(domain: Self.domain))
    }

    @Test func anUnknownDomainGetsHostUnknown() async throws {
        let server = try await startServer()
        defer { Task { await server.stop() } }
        let component = try RawComponent(port: server.port)
        component.send("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='other.localhost'>")
        let text = try await component.waitForClose()
        #expect(text.contains("<host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"))
    }

    @Test func aForeignFromClosesTheStreamWithInvalidFrom() async throws {
        let server = try await startServer()
        defer { Task { await server.stop() } }
        let component = try await authenticatedComponent(server)
        component.send("<message from='someone@localhost' to='user@localhost'><body>spoof</body></message>")
        let text = try await component.waitForClose()
        #expect(text.contains("<invalid-from xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"))
        try await server.waitForEvent { $0.streamErrorCondition == .invalidFrom }
    }

    @Test func routesBetweenClientsAndTheComponentConvertingNamespaces() async throws {
        let server = try await startServer()
        defer { Task { await server.stop() } }
        let component = try await authenticatedComponent(server)
        let romeo = try await server.connectClient("user@localhost", resource: "orchard")
        #expect(romeo.jid.description == "user@localhost/orchard")

        // Client to component: `from` is stamped, the stanza is written unqualified.
        await romeo.send(try stanza("<presence from='forged@localhost' to='room@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>"))
        let text = try await component.waitFor("</presence>")
        #expect(text.contains("<presence from='user@localhost/orchard' to='room@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>"))

        // Component to client: delivered in jabber:client, children included.
        component.send("<message from='room@conference.localhost/Juliet' to='user@localhost/orchard' type='groupchat'><body>hi</body></message>")
        var iterator = romeo.stanzas.makeAsyncIterator()
        let received = try #require(await iterator.next())
        #expect(received.name == "message")
        #expect(received.namespace == NS.client)
        #expect(received.child("body", namespace: NS.client)?.text == "hi")
    }

    @Test func stanzasToAGoneClientBounceOnceAndErrorsNeverBounce() async throws {
        let server = try await startServer()
        defer { Task { await server.stop() } }
        let component = try await authenticatedComponent(server)
        // An error to a gone full JID is dropped; the message after it is bounced. Both travel on the
        // same connection in order, so once the bounce arrives the error has been handled.
        component.send("<message type='error' from='room@conference.localhost' to='user@localhost/gone' id='e1'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")
        component.send("<message type='groupchat' from='room@conference.localhost' to='user@localhost/gone' id='m1'><body>hi</body></message>")
        let text = try await component.waitFor("</message>")
        #expect(text.contains("<message from='user@localhost/gone' to='room@conference.localhost' id='m1' type='error'><error type='wait'><recipient-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"))
        #expect(!text.contains("id='e1'"))
        let bounces = server.events.filter { if case .bounced = $0 { return true } else { return false } }
        #expect(bounces.count == 1)
    }

    @Test func aDisconnectingClientLeavesTheRoomsItJoined() async throws {
        let server = try await startServer()
        defer { Task { await server.stop() } }
        let component = try await authenticatedComponent(server)
        let romeo = try await server.connectClient("user@localhost", resource: "r1")
        await romeo.send(try stanza("<presence to='room@conference.localhost/Romeo'/>"))
        await romeo.send(try stanza("<presence to='other@conference.localhost/Romeo'/>"))
        await romeo.send(try stanza("<presence to='other@conference.localhost/Romeo' type='unavailable'/>"))
        await romeo.disconnect()
        let text = try await component.waitFor("<presence from='user@localhost/r1' to='room@conference.localhost/Romeo' type='unavailable'/>")
        // Only the room still joined gets the unavailable presence from the server.
        #expect(text.components(separatedBy: "type='unavailable'").count == 3)
        // Stanzas to the gone client now bounce.
        component.send("<iq type='get' from='room@conference.localhost' to='user@localhost/r1' id='ping1'><ping xmlns='urn:xmpp:ping'/></iq>")
        try await component.waitFor("id='ping1' type='error'><error type='wait'><recipient-unavailable")
    }

    @Test func noComponentMeansServiceUnavailable() async throws {
        let server = try await startServer()
        defer { Task { await server.stop() } }
        let romeo = try await server.connectClient("user@localhost")
        await romeo.send(try stanza("<iq type='get' id='d1' to='conference.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"))
        var iterator = romeo.stanzas.makeAsyncIterator()
        let reply = try #require(await iterator.next())
        #expect(reply.attribute("type") == "error")
        #expect(reply.attribute("id") == "d1")
        #expect(reply.child("error", namespace: NS.client)?.child("service-unavailable", namespace: NS.stanzas) != nil)
    }

    /// A wait whose task is cancelled before it begins ends with CancellationError at once (it used
    /// to be registered after the cancellation handler had run, and sat until its timeout).
    @Test func aWaitCancelledBeforeItBeginsEndsAtOnce() async throws {
        let server = try await startServer()
        defer { Task { await server.stop() } }
        let waiting = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await server.waitForEvent(timeout: .seconds(20)) { _ in false }
        }
        await #expect(throws: CancellationError.self) { try await waiting.value }
    }

    /// A wait times out on its own clock, not on the server's event loop.
    @Test func aWaitForAnEventThatNeverComesTimesOut() async throws {
        let server = try await startServer()
        defer { Task { await server.stop() } }
        await #expect(throws: FakeServerWaitError.self) {
            try await server.waitForEvent(timeout: .milliseconds(100)) { _ in false }
        }
    }
}
