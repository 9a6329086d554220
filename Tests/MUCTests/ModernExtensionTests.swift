import Testing
import XMPPCore
@testable import MUC

/// XEP-0421 occupant ids and XEP-0359 stanza ids on what the room sends.
@Suite struct ModernExtensionTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    @Test func everyPresenceCarriesTheOccupantID() {
        var t = Transcript.romeoAndJuliet()
        let r = t.occupantID(People.romeoBare), j = t.occupantID(People.julietBare), ro = t.occupantID(People.rosalineBare)
        #expect(Set([r, j, ro]).count == 3)
        // Roster, self-presence and the presence others get; a forged occupant id or hat is dropped.
        let join = t.send("""
            <presence to='\(room)/Rosaline'><x xmlns='http://jabber.org/protocol/muc'/>\
            <occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/><hats xmlns='urn:xmpp:hats:0'><hat uri='u' title='Queen'/></hats></presence>
            """, from: rosaline)
        expectStanzas(join, to: rosaline, [
            "<presence from='\(room)/Romeo'>\(occupantIDElement(r))</presence>",
            "<presence from='\(room)/Juliet'>\(occupantIDElement(j))</presence>",
            "<presence from='\(room)/Rosaline'>\(occupantIDElement(ro))</presence>",
            X.emptySubject,
        ])
        for p in join.to(romeo) + join.to(rosaline) where p.name == "presence" {
            #expect(p.children("occupant-id", namespace: NS.occupantID).count == 1)
            #expect(p.child("hats", namespace: NS.hats) == nil)
        }
        expectStanzas(join, to: romeo, ["<presence from='\(room)/Rosaline'>\(occupantIDElement(ro))</presence>"])
        // Leaving, and coming back: the same id.
        let leave = t.send("<presence type='unavailable' to='\(room)/Rosaline'/>", from: rosaline)
        expectStanzas(leave, to: juliet, ["<presence type='unavailable' from='\(room)/Rosaline'>\(occupantIDElement(ro))</presence>"])
        expectStanzas(t.join(rosaline, nick: "Rosa"), to: romeo, ["<presence from='\(room)/Rosa'>\(occupantIDElement(ro))</presence>"])
        // Another room: another id.
        #expect(t.occupantID(People.rosalineBare, room: "other@conference.localhost") != ro)
    }

    @Test func messagesCarryTheSendersOccupantID() {
        var t = Transcript.romeoAndJuliet()
        let j = t.occupantID(People.julietBare)
        let out = t.send("<message type='groupchat' id='g1' to='\(room)'><body>hi</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>", from: juliet)
        #expect(out.actions.count == 1)
        for d in out.deliveries {
            #expect(d.stanza.children("occupant-id", namespace: NS.occupantID).map { $0.attribute("id") } == [j])
        }
        // Private messages too (but no stanza id: the room archives nothing for them).
        let pm = t.send("<message type='chat' to='\(room)/Romeo'><body>psst</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>", from: juliet)
        expectOnly(pm, [romeo: ["<message type='chat' from='\(room)/Juliet'><body>psst</body>\(occupantIDElement(j))<x xmlns='http://jabber.org/protocol/muc#user'/></message>"]])
        #expect(pm.deliveries[0].stanza.children("occupant-id", namespace: NS.occupantID).count == 1)
        #expect(pm.deliveries[0].stanza.child("stanza-id", namespace: NS.stanzaID) == nil)
        // The subject a joiner gets names its setter's occupant id while the room is in memory.
        t.send("<message type='groupchat' to='\(room)'><subject>Plots</subject></message>", from: romeo)
        let subject = t.join(rosaline, nick: "Rosaline").to(rosaline).last
        #expect(subject?.child("occupant-id", namespace: NS.occupantID)?.attribute("id") == t.occupantID(People.romeoBare))
    }

    @Test func groupchatMessagesGetAStanzaIDFromTheRoom() throws {
        var t = Transcript.romeoAndJuliet()
        let out = t.send("""
            <message type='groupchat' id='m1' to='\(room)'><body>one</body>\
            <stanza-id xmlns='urn:xmpp:sid:0' id='fake' by='\(room)'/>\
            <stanza-id xmlns='urn:xmpp:sid:0' id='fake2' by='ROOM@Conference.Localhost'/>\
            <stanza-id xmlns='urn:xmpp:sid:0' id='theirs' by='user2@localhost'/>\
            <origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>
            """, from: juliet)
        // Still one broadcast: the ids are the same for every recipient.
        guard case .broadcast(let e, let to)? = out.actions.first, out.actions.count == 1 else {
            Issue.record("expected one broadcast, got \(out.actions)")
            return
        }
        #expect(to.count == 2)
        let ours = e.children("stanza-id", namespace: NS.stanzaID).filter { $0.attribute("by") == room }
        #expect(ours.count == 1)
        let sid = try #require(ours.first?.attribute("id"))
        #expect(sid != "fake" && sid != "fake2")
        #expect(e.children("stanza-id", namespace: NS.stanzaID).contains { $0.attribute("id") == "theirs" })
        #expect(e.child("origin-id", namespace: NS.stanzaID)?.attribute("id") == "o1")
        #expect(e.attribute("id") == "m1")
        // Each message its own id; a message without an id gets its stanza id as id (§7.4).
        let out2 = t.send("<message type='groupchat' to='\(room)'><body>two</body></message>", from: romeo)
        let sid2 = try #require(out2.deliveries.first?.stanza.child("stanza-id", namespace: NS.stanzaID)?.attribute("id"))
        #expect(sid2 != sid)
        #expect(out2.deliveries.allSatisfy { $0.stanza.attribute("id") == sid2 })
        // History keeps them (XEP-0425 refers to messages by them).
        let history = t.join(rosaline, nick: "Rosaline").to(rosaline).filter { $0.child("body", namespace: NS.component) != nil }
        #expect(history.map { $0.children("stanza-id", namespace: NS.stanzaID).first { $0.attribute("by") == room }?.attribute("id") } == [sid, sid2])
        // The same inputs give the same ids (deterministic): a second service replaying them.
        var again = Transcript.romeoAndJuliet()
        #expect(again.say(juliet, "one") == sid)
    }

    @Test func historyKeepsAClientsOwnDelay() {
        var t = Transcript.romeoAndJuliet()
        t.send("""
            <message type='groupchat' to='\(room)'><body>old</body><delay xmlns='urn:xmpp:delay' from='\(People.romeoBare)' stamp='2002-10-13T23:58:37Z'/></message>
            """, from: romeo)
        let replay = t.join(rosaline, nick: "Rosaline").to(rosaline).filter { $0.child("body", namespace: NS.component) != nil }
        #expect(replay.count == 1)
        #expect(replay.first?.children("delay", namespace: NS.delay).map { $0.attribute("from") } == [People.romeoBare])
    }
}
