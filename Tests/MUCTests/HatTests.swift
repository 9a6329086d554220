import Testing
import XMPPCore
@testable import MUC

/// XEP-0317 hats, managed through XEP-0050 commands, shown in presence.
@Suite struct HatTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    func command(_ node: String, action: String? = nil, fields: [(String, String)]? = nil, id: String = "c") -> String {
        let a = action.map { " action='\($0)'" } ?? ""
        var form = ""
        if let fields {
            form = "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:hats:commands</value></field>"
                + fields.map { "<field var='\($0.0)'><value>\($0.1)</value></field>" }.joined() + "</x>"
        }
        return "<iq type='set' id='\(id)' to='\(room)'><command xmlns='http://jabber.org/protocol/commands' node='urn:xmpp:hats:commands:\(node)'\(a)>\(form)</command></iq>"
    }

    func completed(_ node: String, id: String = "c") -> String {
        "<iq type='result' id='\(id)' from='\(room)'><command xmlns='http://jabber.org/protocol/commands' node='urn:xmpp:hats:commands:\(node)' sessionid='\(node)-\(id)' status='completed'/></iq>"
    }

    let hostHat = "<hats xmlns='urn:xmpp:hats:0'><hat title='Host' uri='urn:example:host' hue='327.25'/></hats>"

    @Test func createAssignShowUnassignDestroy() throws {
        var t = Transcript.romeoAndJuliet(config: field("persistentroom", "1"))
        // Without a form: the form.
        let ask = t.send(command("create"), from: romeo)
        let c = try #require(ask.to(romeo).first?.child("command", namespace: "http://jabber.org/protocol/commands"))
        #expect(c.attribute("status") == "executing")
        #expect(c.child("x", namespace: NS.dataForms).flatMap(DataForm.init(element:))?.fields.compactMap(\.variable)
                == ["FORM_TYPE", "hats#title", "hats#uri", "hats#hue"])
        // Creating is stored and announced (104) after the result.
        let create = t.send(command("create", fields: [("hats#title", "Host"), ("hats#uri", "urn:example:host"), ("hats#hue", "327.25")]), from: romeo)
        #expect(create.persisted.first?.hats == [HatRecord(uri: "urn:example:host", title: "Host", hue: "327.25")])
        expectOnly(create, [romeo: [completed("create"), X.statusMessage(104)], juliet: [X.statusMessage(104)]])
        // Assigning: everyone sees the hat in Juliet's presence.
        let assign = t.send(command("assign", fields: [("hats#jid", People.julietBare), ("hats#uri", "urn:example:host")]), from: romeo)
        expectOnly(assign, [
            romeo: [completed("assign"), "<presence from='\(room)/Juliet'>\(hostHat)</presence>"],
            juliet: ["<presence from='\(room)/Juliet'><x xmlns='http://jabber.org/protocol/muc#user'>\(X.item("none", "participant", jid: juliet) + X.status(110))</x>\(hostHat)</presence>"],
        ])
        #expect(t.service.record(of: try BareJID(room))?.hats.first?.holders.map(\.description) == [People.julietBare])
        // Joiners see it in the roster; the lists show it.
        expectStanzas(t.join(rosaline, nick: "Rosaline"), to: rosaline, [
            "<presence from='\(room)/Romeo'/>", "<presence from='\(room)/Juliet'>\(hostHat)</presence>",
            "<presence from='\(room)/Rosaline'/>", X.emptySubject,
        ])
        let list = t.send(command("list"), from: rosaline)
        let table = try #require(list.to(rosaline).first?.child("command", namespace: "http://jabber.org/protocol/commands")?.child("x", namespace: NS.dataForms))
        #expect(table.children("item", namespace: NS.dataForms).count == 1)
        let assigned = t.send(command("list-assigned"), from: romeo)
        let rows = assigned.to(romeo).first?.child("command", namespace: "http://jabber.org/protocol/commands")?
            .child("x", namespace: NS.dataForms)?.children("item", namespace: NS.dataForms) ?? []
        #expect(rows.map { Serializer.string($0) }.joined().contains(People.julietBare))
        // Unassigning and destroying.
        let unassign = t.send(command("unassign", fields: [("hats#jid", People.julietBare), ("hats#uri", "urn:example:host")]), from: romeo)
        #expect(unassign.to(romeo).last?.child("hats", namespace: NS.hats) == nil)
        #expect(unassign.to(rosaline).count == 1)
        t.send(command("assign", fields: [("hats#jid", People.julietBare), ("hats#uri", "urn:example:host")]), from: romeo)
        let destroy = t.send(command("destroy", fields: [("hats#uri", "urn:example:host")]), from: romeo)
        expectStanzas(destroy, to: juliet, [
            "<presence from='\(room)/Juliet'><x xmlns='http://jabber.org/protocol/muc#user'>\(X.item("none", "participant", jid: juliet) + X.status(110))</x></presence>",
            X.statusMessage(104),
        ])
        #expect(destroy.to(juliet).first?.child("hats", namespace: NS.hats) == nil)
        #expect(t.service.record(of: try BareJID(room))?.hats == [])
    }

    @Test func hatCommandRefusals() {
        var t = Transcript.romeoAndJuliet()
        // Participants may list, not manage.
        #expect(t.send(command("list"), from: juliet).to(juliet).first?.attribute("type") == "result")
        expectError(t.send(command("create"), from: juliet), to: juliet, kind: "iq", type: "auth", condition: "forbidden")
        expectError(t.send(command("list-assigned"), from: juliet), to: juliet, kind: "iq", type: "auth", condition: "forbidden")
        expectError(t.send(command("nonsense"), from: romeo), to: romeo, kind: "iq", type: "cancel", condition: "item-not-found")
        expectError(t.send("<iq type='get' id='c' to='\(room)'><command xmlns='http://jabber.org/protocol/commands' node='urn:xmpp:hats:commands:list'/></iq>", from: romeo),
                    to: romeo, kind: "iq", type: "modify", condition: "bad-request")
        // Bad forms: bad-request with bad-payload; unknown hat; bad action.
        let missing = t.send(command("create", fields: [("hats#title", "No URI")]), from: romeo)
        expectOnly(missing, [romeo: ["""
            <iq type='error' id='c'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><bad-payload xmlns='http://jabber.org/protocol/commands'/></error></iq>
            """]])
        #expect(errorOf(t.send(command("create", fields: [("hats#title", "T"), ("hats#uri", "u"), ("hats#hue", "400")]), from: romeo))! == ("modify", "bad-request"))
        #expect(errorOf(t.send(command("assign", fields: [("hats#jid", People.julietBare), ("hats#uri", "nope")]), from: romeo))! == ("cancel", "item-not-found"))
        #expect(errorOf(t.send(command("destroy", fields: [("hats#uri", "nope")]), from: romeo))! == ("cancel", "item-not-found"))
        #expect(errorOf(t.send(command("create", action: "prev"), from: romeo))! == ("modify", "bad-request"))
        #expect(t.send(command("create", action: "cancel"), from: romeo).to(romeo).first?
                    .child("command", namespace: "http://jabber.org/protocol/commands")?.attribute("status") == "canceled")
        // A bounded number of hats.
        for i in 0..<Room.maxHats { t.send(command("create", fields: [("hats#title", "H\(i)"), ("hats#uri", "u\(i)")]), from: romeo) }
        #expect(errorOf(t.send(command("create", fields: [("hats#title", "One more"), ("hats#uri", "extra")]), from: romeo))! == ("modify", "not-acceptable"))
        // Updating an existing one is still fine.
        #expect(t.send(command("create", fields: [("hats#title", "Renamed"), ("hats#uri", "u0")]), from: romeo).to(romeo).first?.attribute("type") == "result")
    }

    @Test func commandsAreDiscoverableAndTheRoomAdvertisesItsHats() throws {
        var t = Transcript.romeoAndJuliet()
        func items(_ who: String) -> [String] {
            t.send("<iq type='get' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>", from: who)
                .to(who).first?.child("query", namespace: NS.discoItems)?.children("item", namespace: NS.discoItems).compactMap { $0.attribute("node") } ?? []
        }
        #expect(items(romeo).count == 6)
        #expect(items(juliet) == ["urn:xmpp:hats:commands:list"])
        let info = t.send("<iq type='get' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info' node='urn:xmpp:hats:commands:create'/></iq>", from: romeo)
        #expect(info.to(romeo).first?.child("query", namespace: NS.discoInfo)?.child("identity", namespace: NS.discoInfo)?.attribute("type") == "command-node")
        #expect(errorOf(t.send("<iq type='get' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info' node='urn:xmpp:hats:commands:create'/></iq>", from: juliet))! == ("cancel", "item-not-found"))
        func roominfo() throws -> DataForm {
            let q = try #require(t.send("<iq type='get' id='i' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: juliet)
                .to(juliet).first?.child("query", namespace: NS.discoInfo))
            #expect(q.children("feature", namespace: NS.discoInfo).contains { $0.attribute("var") == NS.hats })
            return try #require(q.child("x", namespace: NS.dataForms).flatMap(DataForm.init(element:)))
        }
        #expect(try roominfo()["hats#hash"] == nil)
        t.send(command("create", fields: [("hats#title", "Host"), ("hats#uri", "urn:example:host")]), from: romeo)
        let hash = try #require(try roominfo()["hats#hash"]?.value)
        #expect(hash.utf8.count == 64)
        t.send(command("create", fields: [("hats#title", "Scribe"), ("hats#uri", "urn:example:scribe")]), from: romeo)
        #expect(try roominfo()["hats#hash"]?.value != hash)
    }
}
