import ScansionCore
import Foundation
import Scansion
import Testing

/// Fixture scripts (file names) that do not pass yet. They run like the others, but their failure is
/// reported as a known issue (with the failing line and diff); once one passes, its known issue is
/// not recorded and the test fails: remove it from this set then. Empty: all four Prosody scripts pass.
let expectedFailures: Set<String> = []

/// Every fixture script against the real service (in-process `MUCComponent`, memory storage)
/// through a fresh fake server.
@Suite(.timeLimit(.minutes(3))) struct FixtureScriptTests {
    @Test(arguments: fixtureScripts)
    func fixture(_ name: String) async throws {
        let result = await ScansionHarness().run(file: fixturesFolder.appendingPathComponent(name).path)
        if expectedFailures.contains(name) {
            withKnownIssue("\(name) is listed in expectedFailures") {
                if let failure = result.failure { Issue.record("\(name) failed at \(failure)") }
            }
        } else {
            #expect(result.passed, "\(name) failed at \(result.failure?.description ?? "")")
        }
    }

    /// A script that expects a wrong status code fails at that step with a diff.
    @Test func aWrongExpectationFailsAtItsLine() async throws {
        let path = try temporaryScript("""
            # Deliberately wrong: a new room's self-presence carries 201, not 999
            [Client] Romeo
            \tjid: user@localhost
            \tpassword: password
            -----
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
            """, name: "wrong_status.scs")
        let result = await ScansionHarness(options: RunOptions(receiveTimeout: .seconds(2))).run(file: path)
        let failure = try #require(result.failure)
        #expect(failure.line == 11)
        #expect(failure.step == "Romeo receives:")
        #expect(failure.expected?.contains("<status code='999'/>") == true)
        #expect(failure.received?.contains("<status code='201'/>") == true)
        #expect(failure.reason.contains("presence/x[1]/status[1]: attribute 'code' is '201', expected '999'"))
        #expect(failure.description.hasPrefix("line 11: Romeo receives:"))
    }
}

@Suite struct ScansionHarnessTests {
    /// A script any version of the service passes: service discovery on its domain.
    @Test func aPassingScriptPasses() async throws {
        let path = try temporaryScript("""
            # Service discovery
            [Client] Romeo
            \tjid: user@localhost/balcony
            \tpassword: password
            -----
            Romeo connects
            Romeo sends:
            \t<iq type='get' id='d1' to='conference.localhost'>
            \t\t<query xmlns='http://jabber.org/protocol/disco#info'/>
            \t</iq>
            Romeo receives:
            \t<iq type='result' id='d1' from='conference.localhost' to="${Romeo's full JID}"/>
            Romeo receives: nothing
            Romeo disconnects
            """, name: "disco.scs")
        let result = await ScansionHarness(options: RunOptions(nothingWait: .milliseconds(200))).run(file: path)
        #expect(result.passed, "\(result.failure?.description ?? "")")
    }

    @Test func anUnreadableScriptFailsAtItsLine() async throws {
        let path = try temporaryScript("[Client] A\n\tjid: a@localhost\n-----\nA waves\n", name: "bad.scs")
        let result = await ScansionHarness().run(file: path)
        #expect(result.failure?.line == 4)
        #expect(result.failure?.step == "parse")
    }
}
