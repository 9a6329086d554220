import Testing
import XMPPCore
@testable import MUC

/// XEP-0425 moderation (retraction by a moderator) and XEP-0424 retraction by the author.
@Suite struct ModerationTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    func moderate(_ id: String, reason: String? = "Spam", retract: Bool = true) -> String {
        let r = reason.map { "<reason>\($0)</reason>" } ?? ""
        let action = retract ? "<retract xmlns='urn:xmpp:message-retract:1'/>" : ""
        return "<iq type='set' id='mod' to='\(room)'><moderate id='\(id)' xmlns='urn:xmpp:message-moderate:1'>\(action)\(r)</moderate></iq>"
    }

    func historyBodies(_ t: inout Transcript) -> [String] {
        let out = t.join(rosaline, nick: "Rosaline")
        t.send("<presence type='unavailable' to='\(room)/Rosaline'/>", from: rosaline)
        return out.to(rosaline).compactMap { $0.childText("body", namespace: NS.component) }
    }

    @Test func aModeratorRetractsAMessageForEveryone() throws {
        var t = Transcript.romeoAndJuliet()
        t.say(juliet, "keep")
        let sidSaid = t.say(juliet, "DM me for free magic potions!")
        let sid = try #require(sidSaid)
        let out = t.send(moderate(sid), from: romeo)
        let retraction = """
            <message type='groupchat' from='\(room)'><retract xmlns='urn:xmpp:message-retract:1' id='\(sid)'>\
            <moderated xmlns='urn:xmpp:message-moderate:1' by='\(room)/Romeo'>\(occupantIDElement(t.occupantID(People.romeoBare)))</moderated>\
            <reason>Spam</reason></retract></message>
            """
        expectOnly(out, [romeo: [retraction, X.result("mod")], juliet: [retraction]])
        // One broadcast, with a stanza id of its own.
        #expect(out.actions.count == 2)
        let own = out.deliveries[0].stanza.child("stanza-id", namespace: NS.stanzaID)
        #expect(own?.attribute("by") == room && own?.attribute("id") != sid)
        // Joiners no longer get it; a second attempt finds nothing.
        #expect(historyBodies(&t) == ["keep"])
        expectError(t.send(moderate(sid), from: romeo), to: romeo, kind: "iq", type: "cancel", condition: "item-not-found")
    }

    @Test func moderationRefusals() throws {
        var t = Transcript.romeoAndJuliet()
        let sidSaid = t.say(romeo, "mine")
        let sid = try #require(sidSaid)
        // Participants and non-occupants may not.
        expectError(t.send(moderate(sid), from: juliet), to: juliet, kind: "iq", type: "auth", condition: "forbidden")
        expectError(t.send(moderate(sid), from: rosaline), to: rosaline, kind: "iq", type: "auth", condition: "forbidden")
        // Malformed requests.
        expectError(t.send(moderate("", reason: nil), from: romeo), to: romeo, kind: "iq", type: "modify", condition: "bad-request")
        expectError(t.send(moderate(sid, retract: false), from: romeo), to: romeo, kind: "iq", type: "cancel", condition: "feature-not-implemented")
        expectError(t.send("<iq type='get' id='mod' to='\(room)'><moderate id='\(sid)' xmlns='urn:xmpp:message-moderate:1'><retract xmlns='urn:xmpp:message-retract:1'/></moderate></iq>", from: romeo),
                    to: romeo, kind: "iq", type: "modify", condition: "bad-request")
        expectError(t.send(moderate("no-such-id"), from: romeo), to: romeo, kind: "iq", type: "cancel", condition: "item-not-found")
        // Nothing was removed.
        #expect(historyBodies(&t) == ["mine"])
        // No reason: none in the retraction.
        let out = t.send(moderate(sid, reason: nil), from: romeo)
        #expect(out.to(juliet).first?.child("retract", namespace: NS.retract)?.child("reason", namespace: NS.retract) == nil)
    }

    @Test func authorsRetractionLeavesTheHistoryButNotSomeoneElses() throws {
        var t = Transcript.romeoAndJuliet()
        let romeosSaid = t.say(romeo, "from Romeo")
        let romeos = try #require(romeosSaid)
        let julietsSaid = t.say(juliet, "from Juliet")
        let juliets = try #require(julietsSaid)
        // Juliet cannot retract Romeo's message: reflected (clients check the occupant id) but the history stays.
        let attempt = t.send("<message type='groupchat' to='\(room)'><retract xmlns='urn:xmpp:message-retract:1' id='\(romeos)'/></message>", from: juliet)
        #expect(attempt.deliveries.count == 2)
        #expect(historyBodies(&t) == ["from Romeo", "from Juliet"])
        // Her own, she can.
        t.send("""
            <message type='groupchat' to='\(room)'><retract xmlns='urn:xmpp:message-retract:1' id='\(juliets)'/>\
            <fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/><body>/me retracted a message</body></message>
            """, from: juliet)
        #expect(historyBodies(&t) == ["from Romeo", "/me retracted a message"])
    }
}
