import Testing
import XMPPCore
@testable import MUC

/// §7.4 groupchat, §7.5 private messages, §8.1 subject, §7.2.13 history.
@Suite struct MessageTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    func room2() -> Transcript {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        return t
    }

    @Test func groupchatIsReflectedToEveryoneWithTheClientsId() throws {
        var t = room2()
        let out = t.send("<message type='groupchat' id='hysf1v37' to='\(room)' xml:lang='en'><body>Harpier cries</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>", from: juliet)
        // One broadcast action: serialized once, written to each occupant.
        guard case .broadcast(let e, let to)? = out.actions.first, out.actions.count == 1 else {
            Issue.record("expected one broadcast, got \(out.actions)")
            return
        }
        #expect(to.map(\.description) == [romeo, juliet])
        #expect(e.attribute("from") == "\(room)/Juliet")
        #expect(e.attribute("id") == "hysf1v37")
        #expect(e.attribute("lang", namespace: NS.xml) == "en")
        #expect(e.child("active", namespace: "http://jabber.org/protocol/chatstates") != nil)
    }

    @Test func groupchatRefusals() {
        var t = room2()
        expectError(t.send("<message type='groupchat' to='\(room)'><body>x</body></message>", from: rosaline),
                    to: rosaline, kind: "message", type: "cancel", condition: "not-acceptable", from: room)
        expectError(t.send("<message type='chat' to='\(room)'><body>x</body></message>", from: juliet),
                    to: juliet, kind: "message", type: "modify", condition: "bad-request")
        #expect(t.send("<message type='headline' to='\(room)'><body>x</body></message>", from: juliet).deliveries.isEmpty)
    }

    @Test func subjectChanges() {
        var t = room2()
        // A participant may not, by default.
        expectError(t.send("<message type='groupchat' to='\(room)'><subject>Mine</subject></message>", from: juliet),
                    to: juliet, kind: "message", type: "auth", condition: "forbidden")
        // A moderator may.
        t.now = 1_000_000_000  // 2001-09-09T01:46:40Z
        let out = t.send("<message type='groupchat' id='s' to='\(room)'><subject>Fire Burn and Cauldron Bubble!</subject></message>", from: romeo)
        let subject = "<message type='groupchat' id='s' from='\(room)/Romeo'><subject>Fire Burn and Cauldron Bubble!</subject></message>"
        expectOnly(out, [romeo: [subject], juliet: [subject]])
        // Joiners get it from the occupant who set it, with a delay stamp.
        let join = t.join(rosaline, nick: "Rosaline")
        expectStanzas(join, to: rosaline, [
            X.presence("Romeo", X.item("owner", "moderator")), X.presence("Juliet", X.item("none", "participant")),
            X.presence("Rosaline", X.item("none", "participant", jid: rosaline) + X.status(110)),
            "<message type='groupchat' from='\(room)/Romeo'><subject>Fire Burn and Cauldron Bubble!</subject><delay xmlns='urn:xmpp:delay' from='\(room)' stamp='2001-09-09T01:46:40Z'/></message>",
        ])
        // With changesubject, participants may; a message with a body is not a subject change.
        t.submitConfig(romeo, field("changesubject", "1"))
        #expect(t.send("<message type='groupchat' to='\(room)'><subject>Ours</subject></message>", from: juliet).deliveries.count == 3)
        t.send("<message type='groupchat' to='\(room)'><subject>Not a change</subject><body>hi</body></message>", from: juliet)
        #expect(t.service.record(of: try! BareJID(room))?.subject == "Ours")
    }

    @Test func privateMessages() {
        var t = room2()
        let out = t.send("<message type='chat' id='pm' to='\(room)/Romeo'><body>I'll give thee a wind.</body></message>", from: juliet)
        expectOnly(out, [romeo: ["""
            <message type='chat' id='pm' from='\(room)/Juliet'><body>I'll give thee a wind.</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>
            """]])
        expectError(t.send("<message type='groupchat' to='\(room)/Romeo'><body>x</body></message>", from: juliet),
                    to: juliet, kind: "message", type: "modify", condition: "bad-request", from: "\(room)/Romeo")
        expectError(t.send("<message type='chat' to='\(room)/Nobody'><body>x</body></message>", from: juliet),
                    to: juliet, kind: "message", type: "cancel", condition: "item-not-found")
        expectError(t.send("<message type='chat' to='\(room)/Romeo'><body>x</body></message>", from: rosaline),
                    to: rosaline, kind: "message", type: "cancel", condition: "not-acceptable")
        t.submitConfig(romeo, field("allowpm", "moderators"))
        expectError(t.send("<message type='chat' to='\(room)/Romeo'><body>x</body></message>", from: juliet),
                    to: juliet, kind: "message", type: "auth", condition: "forbidden")
        #expect(t.send("<message type='chat' to='\(room)/Juliet'><body>x</body></message>", from: romeo).to(juliet).count == 1)
        t.submitConfig(romeo, field("allowpm", "none"))
        expectError(t.send("<message type='chat' to='\(room)/Juliet'><body>x</body></message>", from: romeo),
                    to: romeo, kind: "message", type: "cancel", condition: "not-allowed")
    }

    @Test func historyIsReplayedBeforeTheSubject() {
        var t = room2()
        t.submitConfig(romeo, field("historylength", "2"))
        for (i, who) in [romeo, juliet, romeo].enumerated() {
            t.now = 1_000_000_000 + Double(i)
            t.send("<message type='groupchat' id='m\(i)' to='\(room)'><body>message \(i)</body></message>", from: who)
        }
        // A chat state without a body is reflected but not kept.
        t.send("<message type='groupchat' to='\(room)'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>", from: juliet)
        let join = t.join(rosaline, nick: "Rosaline")
        expectStanzas(join, to: rosaline, [
            X.presence("Romeo", X.item("owner", "moderator")), X.presence("Juliet", X.item("none", "participant")),
            X.presence("Rosaline", X.item("none", "participant", jid: rosaline) + X.status(110)),
            "<message type='groupchat' id='m1' from='\(room)/Juliet'><body>message 1</body><delay xmlns='urn:xmpp:delay' from='\(room)' stamp='2001-09-09T01:46:41Z'/></message>",
            "<message type='groupchat' id='m2' from='\(room)/Romeo'><body>message 2</body><delay xmlns='urn:xmpp:delay' from='\(room)' stamp='2001-09-09T01:46:42Z'/></message>",
            X.emptySubject,
        ])
        // maxstanzas and maxchars (0: no history), seconds, since.
        t.send("<presence type='unavailable' to='\(room)/Rosaline'/>", from: rosaline)
        #expect(t.join(rosaline, nick: "Rosaline", x: "<history maxstanzas='1'/>").to(rosaline).count == 5)
        t.send("<presence type='unavailable' to='\(room)/Rosaline'/>", from: rosaline)
        #expect(t.join(rosaline, nick: "Rosaline", x: "<history maxchars='0'/>").to(rosaline).count == 4)
        t.send("<presence type='unavailable' to='\(room)/Rosaline'/>", from: rosaline)
        t.now = 1_000_000_010
        #expect(t.join(rosaline, nick: "Rosaline", x: "<history seconds='8'/>").to(rosaline).count == 4 + 1)
        t.send("<presence type='unavailable' to='\(room)/Rosaline'/>", from: rosaline)
        #expect(t.join(rosaline, nick: "Rosaline", x: "<history since='2001-09-09T01:46:42Z'/>").to(rosaline).count == 4 + 1)
    }

    @Test func errorsFromAnOccupantRemoveIt() {
        var t = room2()
        // Not a delivery error: nothing happens.
        #expect(t.send("<message type='error' to='\(room)'><error type='cancel'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>", from: juliet).deliveries.isEmpty)
        let out = t.send("<message type='error' to='\(room)/Romeo'><error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>", from: juliet)
        expectOnly(out, [romeo: [X.presence("Juliet", type: "unavailable", X.status(333) + X.item("none", "none", jid: juliet))],
                         juliet: [X.presence("Juliet", type: "unavailable", X.status(333) + X.item("none", "none", jid: juliet) + X.status(110))]])
        // A presence error too.
        t.join(juliet, nick: "Juliet")
        #expect(t.send("<presence type='error' to='\(room)/Juliet'/>", from: juliet).to(romeo).first?.attribute("type") == "unavailable")
    }
}

/// The history ring keeps the newest messages in order.
@Suite struct HistoryTests {
    func message(_ i: Int) -> Element {
        Element("message", namespace: NS.component, attrs: ["id": "m\(i)"])
    }

    @Test func keepsTheNewestInOrder() {
        var h = History()
        for i in 0..<7 { h.record(message(i), at: Double(i), limit: 3) }
        #expect(h.entries.map { $0.message.attribute("id")! } == ["m4", "m5", "m6"])
        h.trim(to: 2)
        #expect(h.entries.map { $0.message.attribute("id")! } == ["m5", "m6"])
        h.record(message(7), at: 7, limit: 2)
        #expect(h.entries.map { $0.message.attribute("id")! } == ["m6", "m7"])
        // A larger limit grows again.
        h.record(message(8), at: 8, limit: 4)
        #expect(h.entries.map { $0.message.attribute("id")! } == ["m6", "m7", "m8"])
        h.record(message(9), at: 9, limit: 0)
        #expect(h.entries.isEmpty)
    }

    @Test func replayLimits() {
        var h = History()
        for i in 0..<5 { h.record(message(i), at: Double(100 + i), limit: 10) }
        func ids(_ attrs: KeyValuePairs<String, String?>, limit: Int = 10) -> [String] {
            h.replay(History.Request(element: Element("history", namespace: NS.muc, attrs: attrs)), room: "r@s", now: 105, limit: limit)
                .map { $0.attribute("id")! }
        }
        #expect(ids([:]) == ["m0", "m1", "m2", "m3", "m4"])
        #expect(ids([:], limit: 2) == ["m3", "m4"])
        #expect(ids(["maxstanzas": "1"]) == ["m4"])
        #expect(ids(["seconds": "2"]) == ["m3", "m4"])
        #expect(ids(["since": "1970-01-01T00:01:42Z"]) == ["m2", "m3", "m4"])
        let one = Serializer.bytes(h.replay(History.Request(element: nil), room: "r@s", now: 105, limit: 1)[0]).count
        #expect(ids(["maxchars": String(2 * one + 1)]) == ["m3", "m4"])
        #expect(ids(["maxchars": "0"]) == [])
    }
}
