import ScansionCore
import Foundation
import Scansion
import Testing
import XMPPCore

/// Record mode (`scansion-run --record DIR`, the differential harness): every received stanza is
/// kept with its step, and unmet expectations are noted instead of stopping the script.
@Suite(.timeLimit(.minutes(3))) struct RecordModeTests {
    let fast = RunOptions(receiveTimeout: .milliseconds(300), nothingWait: .milliseconds(100), interClientPause: .zero)

    static let body = """
        Romeo connects

        Romeo sends:
        \t<iq id='a' type='get' to='conference.localhost'/>

        Romeo receives:
        \t<iq id='a' type='result' from='conference.localhost'><query xmlns='x:y'><item id='{scansion:capture:ID}'/></query></iq>

        Romeo sends:
        \t<iq id='b' type='get' to='conference.localhost'><q xmlns='x:z' after='${ID}'/></iq>

        Romeo receives:
        \t<iq id='b' type='result'/>

        Romeo receives: nothing

        """

    /// Answers `a` with an error (not the expected result, so nothing is captured) plus a message,
    /// and `b` with a result, then a stray message.
    static func network() -> StubNetwork {
        StubNetwork { _, stanza in
            let to = "user@localhost/stub"
            switch stanza.attribute("id") {
            case "a":
                return [(to, ScriptRunnerTests.element("<iq id='a' type='error' from='conference.localhost'/>")),
                        (to, ScriptRunnerTests.element("<message from='conference.localhost'><body>hi</body></message>"))]
            case "b":
                return [(to, ScriptRunnerTests.element("<iq id='b' type='result' from='conference.localhost'/>")),
                        (to, ScriptRunnerTests.element("<message from='conference.localhost'><body>late</body></message>"))]
            default:
                return []
            }
        }
    }

    @Test func playsToTheEndAndKeepsEveryStanza() async throws {
        let script = try ScriptParser.parse(ScriptRunnerTests.header + Self.body)
        let network = Self.network()
        let result = await ScriptRunner(script: script, connector: network, options: fast, record: true).run()
        #expect(result.failure == nil)
        let recording = try #require(result.recording)
        #expect(recording.steps.map(\.summary) == ["Romeo connects", "Romeo sends:", "Romeo receives:", "Romeo sends:",
                                                   "Romeo receives:", "Romeo receives: nothing"])
        let romeo = try #require(recording.clients.first { $0.name == "Romeo" })
        #expect(romeo.fullJID == "user@localhost/stub")
        #expect(romeo.received.map(\.step) == [2, 2, 4, 4])
        #expect(romeo.received.map(\.line) == [2, 2, 4, 4].map { script.steps[$0 - 1].line })
        #expect(romeo.received[0].xml == "<iq xmlns='jabber:client' id='a' type='error' from='conference.localhost'/>")
        #expect(recording.clients.first { $0.name == "Juliet" }?.received == [])
        // The second send still happened, with the capture that never matched left empty.
        #expect(network.sentStanzas.count == 2)
        #expect(network.sentStanzas[1].elements.first?.attribute("after") == "")
        // Noted: the unmatched receive, the missing capture, the stanza where nothing was expected.
        #expect(recording.mismatches.map(\.step) == [3, 4, 6])
        #expect(recording.mismatches[0].received?.contains("type='error'") == true)
        #expect(recording.mismatches[1].reason.contains("never captured"))
        #expect(recording.mismatches[2].summary == "Romeo receives: nothing")
        // The JSON round-trips.
        let decoded = try JSONDecoder().decode(ScriptRecording.self, from: recording.jsonData())
        #expect(decoded == recording)
    }

    @Test func normalModeStillStopsAtTheFirstMismatch() async throws {
        let script = try ScriptParser.parse(ScriptRunnerTests.header + Self.body)
        let network = Self.network()
        let result = await ScriptRunner(script: script, connector: network, options: fast).run()
        #expect(result.failure?.line == script.steps[2].line)
        #expect(result.recording == nil)
        #expect(network.sentStanzas.count == 1)
    }

    @Test func takesAMatchingStanzaOutOfOrder() async throws {
        // Both stanzas arrive during one send; the script expects them in the other order.
        let body = """
            Romeo connects

            Romeo sends:
            \t<iq id='a' type='get' to='conference.localhost'/>

            Romeo receives:
            \t<message from='conference.localhost'><body>hi</body></message>

            Romeo receives:
            \t<iq id='a' type='error'/>

            """
        let script = try ScriptParser.parse(ScriptRunnerTests.header + body)
        let result = await ScriptRunner(script: script, connector: Self.network(), options: fast, record: true).run()
        let recording = try #require(result.recording)
        #expect(recording.mismatches == [])
        #expect(recording.clients[0].received.count == 2)
    }
}
