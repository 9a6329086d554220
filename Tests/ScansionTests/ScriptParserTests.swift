import ScansionCore
import Foundation
import Scansion
import Testing

@Suite struct ScriptParserTests {
    static let sample = """
        # A title

        [Client] Romeo
        \tjid: user@localhost
        \tpassword: password

        [Client] Juliet
        \tjid: user2@localhost/balcony
        \tpassword: pw

        -----

        Romeo connects

        # a comment
        Romeo sends:
        \t<presence to="room@conference.localhost/Romeo">
        \t\t<x xmlns="http://jabber.org/protocol/muc"/>
        \t</presence>

        \t<message to="room@conference.localhost" type="groupchat"><body>${Juliet's JID}</body></message>

        Romeo receives:
        \t<presence from='room@conference.localhost/Romeo'/>
        Romeo receives: nothing
        Juliet connects
        Juliet disconnects
        Romeo disconnects
        """

    @Test func parsesHeaderAndSteps() throws {
        let script = try ScriptParser.parse(Self.sample)
        #expect(script.title == "A title")
        #expect(script.clients == [
            ClientDeclaration(name: "Romeo", jid: "user@localhost", password: "password", line: 3),
            ClientDeclaration(name: "Juliet", jid: "user2@localhost/balcony", password: "pw", line: 7),
        ])
        #expect(script.steps.map(\.line) == [13, 16, 23, 25, 26, 27, 28])
        #expect(script.steps.map(\.summary) == [
            "Romeo connects", "Romeo sends:", "Romeo receives:", "Romeo receives: nothing",
            "Juliet connects", "Juliet disconnects", "Romeo disconnects",
        ])
        guard case .send(let xml) = script.steps[1].action else {
            Issue.record("step 2 is not a send")
            return
        }
        // Both stanzas of the block, the blank line between them included.
        let stanzas = try StanzaXML.parse(xml)
        #expect(stanzas.map(\.name) == ["presence", "message"])
        #expect(xml.contains("${Juliet's JID}"))
    }

    @Test func refusesUnknownClientsAndMissingSeparator() {
        #expect(throws: ScriptParseError.self) {
            try ScriptParser.parse("[Client] A\n\tjid: a@localhost\n-----\nB connects\n")
        }
        #expect(throws: ScriptParseError.self) {
            try ScriptParser.parse("[Client] A\n\tjid: a@localhost\nA connects\n")
        }
        #expect(throws: ScriptParseError.self) {
            try ScriptParser.parse("[Client] A\n\tjid: a@localhost\n-----\nA sends:\nA connects\n")
        }
        do {
            _ = try ScriptParser.parse("[Client] A\n\tjid: a@localhost\n-----\nA dances\n")
            Issue.record("an unknown action was accepted")
        } catch {
            #expect(error.line == 4)
        }
    }

    @Test(arguments: fixtureScripts)
    func fixturesParse(_ name: String) throws {
        let script = try ScriptParser.parse(contentsOfFile: fixturesFolder.appendingPathComponent(name).path)
        // A title says what is checked: "MUC: …", or "Server: …" for the client-to-server behaviour the MUC scripts rely on.
        #expect(script.title.map { $0.hasPrefix("MUC:") || $0.hasPrefix("Server:") } == true)
        #expect(!script.clients.isEmpty)
        for step in script.steps {
            switch step.action {
            case .send(let xml), .receive(let xml):
                // Every block is well-formed once the JIDs are substituted.
                let text = xml.replacingOccurrences(of: #"\$\{[A-Za-z]+'s (full )?JID\}"#, with: "u@localhost/r", options: .regularExpression)
                #expect(try !StanzaXML.parse(text).isEmpty, "line \(step.line)")
            case .connect, .disconnect, .receiveNothing:
                break
            }
        }
    }

    @Test func fixturesArePresent() {
        for name in ["muc_affiliation_notify.scs", "muc_members_only_change.scs", "muc_password.scs", "muc_show_offline.scs"] {
            #expect(fixtureScripts.contains(name))
        }
    }
}
