import ScansionCore
import Foundation
import Scansion
import Testing
import XMPPCore

/// An in-memory network for runner tests: every stanza a client sends is given to `respond`, and
/// the stanzas it returns are delivered at once to the clients they address (by full JID).
final class StubNetwork: ScansionConnector, @unchecked Sendable {
    typealias Responder = @Sendable (_ from: String, _ stanza: Element) -> [(to: String, stanza: Element)]

    private let lock = NSLock()
    private var handlers: [String: @Sendable (Element) -> Void] = [:]
    private var sent: [Element] = []
    let respond: Responder

    init(respond: @escaping Responder = { _, _ in [] }) { self.respond = respond }

    var sentStanzas: [Element] { lock.withLock { sent } }

    func connect(_ account: ScansionAccount, onStanza: @escaping @Sendable (Element) -> Void) async throws -> any ScansionClient {
        let full = account.jid + "/" + (account.resource ?? "stub")
        lock.withLock { handlers[full] = onStanza }
        return StubClient(fullJID: full, network: self)
    }

    func send(from: String, _ stanza: Element) {
        lock.withLock { sent.append(stanza) }
        for (to, reply) in respond(from, stanza) {
            let handler = lock.withLock { handlers[to] }
            handler?(reply)
        }
    }

    func disconnect(_ full: String) { _ = lock.withLock { handlers.removeValue(forKey: full) } }
}

final class StubClient: ScansionClient {
    let fullJID: String
    let network: StubNetwork

    init(fullJID: String, network: StubNetwork) {
        self.fullJID = fullJID
        self.network = network
    }

    func send(_ stanza: Element) async throws { network.send(from: fullJID, stanza) }
    func disconnect() async { network.disconnect(fullJID) }
}

@Suite(.timeLimit(.minutes(3))) struct ScriptRunnerTests {
    static let header = """
        # Runner test
        [Client] Romeo
        \tjid: user@localhost
        \tpassword: password
        [Client] Juliet
        \tjid: user2@localhost
        \tpassword: password
        -----

        """

    let fast = RunOptions(receiveTimeout: .milliseconds(300), nothingWait: .milliseconds(100), interClientPause: .zero)

    func run(_ body: String, network: StubNetwork) async throws -> ScriptResult {
        let script = try ScriptParser.parse(Self.header + body)
        return await ScriptRunner(script: script, connector: network, options: fast).run()
    }

    /// Replies to each stanza by name: `notify` then `reply` to Romeo.
    static func element(_ xml: String) -> Element { (try? StanzaXML.parse(xml).first) ?? Element("invalid", namespace: "") }

    @Test func staleNonMatchingStanzasAreDroppedSilently() async throws {
        // Romeo's first send makes a notification Romeo never checks; Juliet's send makes the result
        // Romeo expects. The notification arrived before Juliet's send, so it is stale.
        let network = StubNetwork { from, stanza in
            if stanza.attribute("id") == "first" {
                return [("user@localhost/stub", Self.element("<message from='room@conference.localhost'><body>config changed</body></message>"))]
            }
            if stanza.attribute("id") == "second" {
                return [("user@localhost/stub", Self.element("<iq type='result' id='second'/>"))]
            }
            return []
        }
        let result = try await run("""
            Romeo connects
            Juliet connects
            Romeo sends:
            \t<iq type='set' id='first' to='room@conference.localhost'/>
            Juliet sends:
            \t<iq type='set' id='second' to='room@conference.localhost'/>
            Romeo receives:
            \t<iq type='result' id='second'/>
            """, network: network)
        #expect(result.passed, "\(result.failure?.description ?? "")")
    }

    @Test func aFreshNonMatchingStanzaFailsTheStep() async throws {
        // Same replies, but the notification now arrives after Romeo's own send, the most recent
        // action: it is fresh and must match.
        let network = StubNetwork { from, stanza in
            [("user@localhost/stub", Self.element("<message from='room@conference.localhost'><body>config changed</body></message>")),
             ("user@localhost/stub", Self.element("<iq type='result' id='first'/>"))]
        }
        let result = try await run("""
            Romeo connects
            Romeo sends:
            \t<iq type='set' id='first' to='room@conference.localhost'/>
            Romeo receives:
            \t<iq type='result' id='first'/>
            """, network: network)
        let failure = try #require(result.failure)
        #expect(failure.line == 12)
        #expect(failure.received?.contains("config changed") == true)
        #expect(failure.reason.contains("expected <iq"))
    }

    @Test func consecutiveReceiveStepsKeepTheirCutoff() async throws {
        // Two receive steps in a row for Romeo: the second still treats stanzas that arrived after
        // Romeo's send as fresh, so the stale rule does not hide an unexpected stanza.
        let network = StubNetwork { _, _ in
            [("user@localhost/stub", Self.element("<presence from='room@conference.localhost/Romeo'/>")),
             ("user@localhost/stub", Self.element("<message from='room@conference.localhost' type='groupchat'><body>x</body></message>")),
             ("user@localhost/stub", Self.element("<message from='room@conference.localhost' type='groupchat'><subject/></message>"))]
        }
        let result = try await run("""
            Romeo connects
            Romeo sends:
            \t<presence to='room@conference.localhost/Romeo'/>
            Romeo receives:
            \t<presence from='room@conference.localhost/Romeo'/>
            Romeo receives:
            \t<message type='groupchat' from='room@conference.localhost'><subject/></message>
            """, network: network)
        let failure = try #require(result.failure)
        #expect(failure.line == 14)
    }

    @Test func aWrongStatusCodeFailsWithADiffAtItsLine() async throws {
        let network = StubNetwork { from, stanza in
            guard stanza.name == "presence", let to = stanza.attribute("to") else { return [] }
            return [(from, Self.element("""
                <presence from='\(to)' to='\(from)'><x xmlns='http://jabber.org/protocol/muc#user'><status code='201'/><item affiliation='owner' role='moderator' jid='\(from)'/><status code='110'/></x></presence>
                """))]
        }
        let result = try await run("""
            Romeo connects
            Romeo sends:
            \t<presence to="room@conference.localhost/Romeo">
            \t\t<x xmlns="http://jabber.org/protocol/muc"/>
            \t</presence>

            Romeo receives:
            \t<presence from='room@conference.localhost/Romeo'>
            \t\t<x xmlns='http://jabber.org/protocol/muc#user'>
            \t\t\t<status code='999'/>
            \t\t\t<item jid="${Romeo's full JID}" affiliation='owner' role='moderator'/>
            \t\t\t<status code='110'/>
            \t\t</x>
            \t</presence>
            """, network: network)
        let failure = try #require(result.failure)
        #expect(failure.line == 15)
        #expect(failure.reason.contains("presence/x[1]/status[1]"))
        #expect(failure.reason.contains("'code' is '201', expected '999'"))
        #expect(failure.expected?.contains("<status code='999'/>") == true)
        #expect(failure.received?.contains("<status code='201'/>") == true)
        #expect(failure.description.hasPrefix("line 15: Romeo receives:"))
    }

    @Test func substitutionsAndCapturesAcrossSteps() async throws {
        let network = StubNetwork { from, stanza in
            guard stanza.name == "iq" else { return [] }
            return [(from, Self.element("<iq type='result' id='srv-7' from='room@conference.localhost'><query xmlns='urn:q'><item jid='\(stanza.attribute("to") ?? "")'/></query></iq>")),
                    (from, Self.element("<message id='srv-7' from='room@conference.localhost'/>"))]
        }
        let result = try await run("""
            Romeo connects
            Romeo sends:
            \t<iq type='get' to="${Romeo's full JID}" id='q'/>
            Romeo receives:
            \t<iq type='result' id='{scansion:capture:ID}'><query xmlns='urn:q'><item jid="${Romeo's full JID}"/></query></iq>
            \t<message id='{scansion:capture:ID}' from='{scansion:any}'/>
            """, network: network)
        #expect(result.passed, "\(result.failure?.description ?? "")")
        #expect(network.sentStanzas.first?.attribute("to") == "user@localhost/stub")
    }

    @Test func receivesNothing() async throws {
        let quiet = try await run("Romeo connects\nRomeo sends:\n\t<presence/>\nRomeo receives: nothing\n", network: StubNetwork())
        #expect(quiet.passed)
        let noisy = try await run("Romeo connects\nRomeo sends:\n\t<presence/>\nRomeo receives: nothing\n",
                                  network: StubNetwork { from, _ in [(from, Self.element("<message/>"))] })
        #expect(noisy.failure?.line == 12)
    }

    @Test func aMissingStanzaTimesOut() async throws {
        let result = try await run("Romeo connects\nRomeo receives:\n\t<message/>\n", network: StubNetwork())
        let failure = try #require(result.failure)
        #expect(failure.line == 10)
        #expect(failure.reason.contains("no matching stanza arrived"))
    }

    @Test func directivesAreNotSent() async throws {
        let network = StubNetwork()
        let result = try await run("Romeo connects\nRomeo sends:\n\t<message scansion:strict='true'><body>x</body></message>\n", network: network)
        #expect(result.passed)
        #expect(network.sentStanzas.first?.attributes.isEmpty == true)
    }
}
