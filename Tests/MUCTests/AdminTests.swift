import Testing
import XMPPCore
@testable import MUC

/// §8 moderator and §9–§10 admin/owner use cases through `muc#admin`.
@Suite struct AdminTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room
    let nurse = "nurse@localhost/n"

    /// Romeo (owner), Juliet and Rosaline (unaffiliated participants).
    func room3() -> Transcript {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        t.join(rosaline, nick: "Rosaline")
        return t
    }

    @Test func kickWithReasonAndActor() {
        var t = room3()
        let out = t.admin(romeo, "<item nick='Rosaline' role='none'><reason>Avaunt, you cullion!</reason></item>", id: "kick1")
        let item = { (jid: String?, actor: String) in X.item("none", "none", jid: jid, actor + X.reason("Avaunt, you cullion!")) }
        expectOnly(out, [
            romeo: [X.result("kick1"), X.presence("Rosaline", type: "unavailable", X.status(307) + item(rosaline, X.actor(nick: "Romeo", jid: romeo)))],
            juliet: [X.presence("Rosaline", type: "unavailable", X.status(307) + item(nil, X.actor(nick: "Romeo")))],
            rosaline: [X.presence("Rosaline", type: "unavailable", X.status(307) + item(rosaline, X.actor(nick: "Romeo")) + X.status(110))],
        ])
        // §8.2: the kicked occupant is told, then the moderator gets the result, then the others are told.
        let kicked = out.index(of: rosaline, matching: "<presence type='unavailable'/>")!
        let result = out.index(of: romeo, matching: X.result("kick1"))!
        #expect(kicked < result && result < out.index(of: juliet, matching: "<presence type='unavailable'/>")!)
        // Another moderator's copy shows the actor's JID too.
        var t2 = room3()
        t2.admin(romeo, "<item nick='Juliet' role='moderator'/>")
        let out2 = t2.admin(romeo, "<item nick='Rosaline' role='none'/>", id: "kick2")
        expectStanzas(out2, to: juliet, [X.presence("Rosaline", type: "unavailable",
                                                    X.status(307) + X.item("none", "none", jid: rosaline, X.actor(nick: "Romeo", jid: romeo)))])
        // The kicked user may come back.
        #expect(t.join(rosaline, nick: "Rosaline").to(rosaline).count == 4)
    }

    @Test func banRemovesAndRefuses() {
        var t = room3()
        let out = t.admin(romeo, "<item affiliation='outcast' jid='\(People.rosalineBare)'><reason>Treason</reason></item>", id: "ban1")
        expectOnly(out, [
            juliet: [X.presence("Rosaline", type: "unavailable", X.status(301) + X.item("outcast", "none", X.actor(nick: "Romeo") + X.reason("Treason")))],
            rosaline: [X.presence("Rosaline", type: "unavailable",
                                  X.status(301) + X.item("outcast", "none", jid: rosaline, X.actor(nick: "Romeo") + X.reason("Treason")) + X.status(110))],
            romeo: [X.result("ban1"),
                    X.presence("Rosaline", type: "unavailable",
                               X.status(301) + X.item("outcast", "none", jid: rosaline, X.actor(nick: "Romeo", jid: romeo) + X.reason("Treason")))],
        ])
        expectError(t.join(rosaline, nick: "Other"), to: rosaline, type: "auth", condition: "forbidden")
        // The ban list carries the reason.
        let list = t.send("<iq type='get' id='b' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast'/></query></iq>", from: romeo)
        expectOnly(list, [romeo: ["""
            <iq type='result' id='b'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='\(People.rosalineBare)'><reason>Treason</reason></item></query></iq>
            """]])
        // Unbanning lets her in.
        t.admin(romeo, "<item affiliation='none' jid='\(People.rosalineBare)'/>")
        #expect(t.join(rosaline, nick: "Rosaline").to(rosaline).count == 4)
    }

    @Test func banWithNickOfAnOccupant() {
        var t = room3()
        let out = t.admin(romeo, "<item affiliation='outcast' nick='Rosaline'/>")
        #expect(out.to(rosaline).first?.attribute("type") == "unavailable")
        #expect(t.service.record(of: try! BareJID(room))?.affiliations.first { $0.jid.description == People.rosalineBare }?.affiliation == .outcast)
    }

    @Test func voiceInAModeratedRoom() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("moderatedroom", "1"))
        t.join(juliet, nick: "Juliet")
        // A visitor cannot speak.
        expectError(t.send("<message type='groupchat' to='\(room)'><body>hi</body></message>", from: juliet),
                    to: juliet, kind: "message", type: "auth", condition: "forbidden")
        let grant = t.admin(romeo, "<item nick='Juliet' role='participant'><reason>A worthy witch indeed!</reason></item>", id: "voice1")
        expectOnly(grant, [
            romeo: [X.result("voice1"),
                    X.presence("Juliet", X.item("none", "participant", jid: juliet, X.actor(nick: "Romeo", jid: romeo) + X.reason("A worthy witch indeed!")))],
            juliet: [X.presence("Juliet", X.item("none", "participant", jid: juliet, X.actor(nick: "Romeo") + X.reason("A worthy witch indeed!")) + X.status(110))],
        ])
        #expect(t.send("<message type='groupchat' to='\(room)'><body>hi</body></message>", from: juliet).deliveries.count == 2)
        let revoke = t.admin(romeo, "<item nick='Juliet' role='visitor'/>", id: "voice2")
        expectStanzas(revoke, to: juliet, [X.presence("Juliet", X.item("none", "visitor", jid: juliet, X.actor(nick: "Romeo")) + X.status(110))])
        // The voice list.
        t.admin(romeo, "<item nick='Juliet' role='participant'/>")
        let list = t.send("<iq type='get' id='v' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#admin'><item role='participant'/></query></iq>", from: romeo)
        expectOnly(list, [romeo: ["""
            <iq type='result' id='v'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='none' role='participant' jid='\(juliet)' nick='Juliet'/></query></iq>
            """]])
    }

    @Test func moderatorStatusAndJidVisibility() {
        var t = room3()
        // Made moderator in a semi-anonymous room, Juliet is sent everyone's presence again, with JIDs.
        let out = t.admin(romeo, "<item nick='Juliet' role='moderator'/>", id: "mod1")
        expectOnly(out, [
            romeo: [X.result("mod1"), X.presence("Juliet", X.item("none", "moderator", jid: juliet, X.actor(nick: "Romeo", jid: romeo)))],
            rosaline: [X.presence("Juliet", X.item("none", "moderator", X.actor(nick: "Romeo")))],
            juliet: [X.presence("Juliet", X.item("none", "moderator", jid: juliet, X.actor(nick: "Romeo")) + X.status(110)),
                     X.presence("Romeo", X.item("owner", "moderator", jid: romeo)),
                     X.presence("Rosaline", X.item("none", "participant", jid: rosaline))],
        ])
        // A mere moderator can kick a participant but cannot make moderators, nor kick the owner.
        #expect(errorOf(t.admin(juliet, "<item nick='Rosaline' role='moderator'/>"))! == ("auth", "forbidden"))
        #expect(errorOf(t.admin(juliet, "<item nick='Romeo' role='none'/>"))! == ("cancel", "not-allowed"))
        // Revoked.
        let revoke = t.admin(romeo, "<item nick='Juliet' role='participant'/>", id: "mod2")
        #expect(revoke.to(juliet).count == 3)  // her presence, then the roster again without JIDs
        #expect(errorOf(t.admin(juliet, "<item nick='Rosaline' role='none'/>"))! == ("auth", "forbidden"))
    }

    @Test func affiliationListsAndWhoMayReadThem() {
        var t = room3()
        t.admin(romeo, "<item affiliation='admin' jid='\(People.julietBare)'/><item affiliation='member' jid='\(People.rosalineBare)' nick='Rosa'/>")
        func list(_ aff: String, by who: String) -> Output {
            t.send("<iq type='get' id='l' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='\(aff)'/></query></iq>", from: who)
        }
        expectOnly(list("owner", by: romeo), [romeo: ["<iq type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner' jid='\(People.romeoBare)'/></query></iq>"]])
        expectOnly(list("admin", by: romeo), [romeo: ["<iq type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='admin' jid='\(People.julietBare)'/></query></iq>"]])
        expectOnly(list("member", by: juliet), [juliet: ["<iq type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='\(People.rosalineBare)' nick='Rosa'/></query></iq>"]])
        // Semi-anonymous: an admin may not read the owner list; a member not the member list.
        #expect(errorOf(list("owner", by: juliet))! == ("auth", "forbidden"))
        #expect(errorOf(list("member", by: rosaline))! == ("auth", "forbidden"))
        #expect(errorOf(list("outcast", by: rosaline))! == ("auth", "forbidden"))
        // Non-anonymous: members may read the member list, admins the owner list.
        t.submitConfig(romeo, field("whois", "anyone"))
        #expect(list("member", by: rosaline).to(rosaline).first?.attribute("type") == "result")
        #expect(list("owner", by: juliet).to(juliet).first?.attribute("type") == "result")
        // Role lists are for moderators.
        let roles = t.send("<iq type='get' id='l' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#admin'><item role='moderator'/></query></iq>", from: rosaline)
        #expect(errorOf(roles)! == ("auth", "forbidden"))
        // Malformed list requests.
        #expect(errorOf(t.send("<iq type='get' id='l' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#admin'/></iq>", from: romeo))! == ("modify", "bad-request"))
        #expect(errorOf(list("none", by: romeo))! == ("modify", "bad-request"))
        #expect(errorOf(list("king", by: romeo))! == ("modify", "bad-request"))
    }

    @Test func severalItemsAreAppliedAtomically() throws {
        var t = room3()
        // The second item is not allowed for an admin: nothing of the request is applied.
        t.admin(romeo, "<item affiliation='admin' jid='\(People.julietBare)'/>")
        let out = t.admin(juliet, "<item affiliation='member' jid='a@localhost'/><item affiliation='outcast' jid='\(People.romeoBare)'/>")
        #expect(errorOf(out)! == ("cancel", "not-allowed"))
        let record = try #require(t.service.record(of: try BareJID(room)))
        #expect(!record.affiliations.contains { $0.jid.description == "a@localhost" })
        // Both applied when both are allowed.
        let ok = t.admin(juliet, "<item affiliation='member' jid='a@localhost'/><item nick='Rosaline' role='none'/>", id: "two")
        #expect(ok.to(juliet).last?.attribute("type") == "result")
        #expect(t.service.record(of: try BareJID(room))!.affiliations.contains { $0.jid.description == "a@localhost" })
    }

    @Test func malformedItems() {
        var t = room3()
        #expect(errorOf(t.admin(romeo, "<item affiliation='member' role='participant' nick='Juliet'/>"))! == ("modify", "bad-request"))
        #expect(errorOf(t.admin(romeo, "<item affiliation='member'/>"))! == ("modify", "bad-request"))
        #expect(errorOf(t.admin(romeo, "<item role='participant'/>"))! == ("modify", "bad-request"))
        #expect(errorOf(t.admin(romeo, "<item role='king' nick='Juliet'/>"))! == ("modify", "bad-request"))
        #expect(errorOf(t.admin(romeo, "<item affiliation='king' jid='a@b'/>"))! == ("modify", "bad-request"))
        #expect(errorOf(t.admin(romeo, "<item affiliation='member' jid='@@'/>"))! == ("modify", "jid-malformed"))
        #expect(errorOf(t.admin(romeo, "<item role='none' nick='Nobody'/>"))! == ("cancel", "item-not-found"))
        #expect(errorOf(t.admin(romeo, "<item affiliation='member' nick='Nobody'/>"))! == ("cancel", "item-not-found"))
        #expect(errorOf(t.admin(romeo, ""))! == ("modify", "bad-request"))
        #expect(errorOf(t.admin(juliet, "<item affiliation='member' jid='a@b'/>"))! == ("auth", "forbidden"))
    }

    @Test func lastOwnerAndSelfBan() {
        var t = room3()
        #expect(errorOf(t.admin(romeo, "<item affiliation='admin' jid='\(People.romeoBare)'/>"))! == ("cancel", "conflict"))
        #expect(errorOf(t.admin(romeo, "<item affiliation='outcast' jid='\(People.romeoBare)'/>"))! == ("cancel", "conflict"))
        // With a second owner, Romeo may step down.
        t.admin(romeo, "<item affiliation='owner' jid='\(People.julietBare)'/>")
        let out = t.admin(romeo, "<item affiliation='admin' jid='\(People.romeoBare)'/>", id: "down")
        expectStanzas(out, to: romeo, [X.presence("Romeo", X.item("admin", "moderator", jid: romeo, X.actor(nick: "Romeo")) + X.status(110)), X.result("down")])
        // Demoting both owners at once is refused.
        #expect(errorOf(t.admin(juliet, "<item affiliation='none' jid='\(People.julietBare)'/>"))! == ("cancel", "conflict"))
    }

    @Test func affiliationChangeChangesRoles() {
        var t = room3()
        // Made admin: moderator.
        let out = t.admin(romeo, "<item affiliation='admin' jid='\(People.julietBare)'/>")
        expectStanzas(out, to: rosaline, [X.presence("Juliet", X.item("admin", "moderator", X.actor(nick: "Romeo")))])
        // Back to member: participant.
        let down = t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)'/>")
        expectStanzas(down, to: rosaline, [X.presence("Juliet", X.item("member", "participant", X.actor(nick: "Romeo")))])
    }

    @Test func serviceAdminsAreOwnersEverywhereWhenConfigured() throws {
        var settings = MUCSettings(domain: "conference.localhost", admins: [try BareJID("nurse@localhost")])
        settings.adminsAreOwners = true
        var t = Transcript(settings)
        t.createInstantRoom(romeo, nick: "Romeo")
        let out = t.join(nurse, nick: "Nurse")
        expectStanzas(out, to: nurse, [X.presence("Romeo", X.item("owner", "moderator", jid: romeo)),
                                       X.presence("Nurse", X.item("owner", "moderator", jid: nurse) + X.status(110)), X.emptySubject])
        #expect(t.admin(nurse, "<item affiliation='outcast' jid='\(People.julietBare)'/>").to(nurse).first?.attribute("type") == "result")
        let form = t.send("<iq type='get' id='f' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>", from: nurse)
        #expect(form.to(nurse).first?.attribute("type") == "result")
    }
}

/// §7.11, §10.2 `muc#roomconfig_getmemberlist`: which roles may fetch the member list.
@Suite struct MemberListTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    @Test func getMemberListDecidesByRole() {
        var t = Transcript.romeoAndJuliet()
        t.admin(romeo, "<item affiliation='member' jid='\(People.rosalineBare)' nick='Rosa'/>")
        let query = "<iq type='get' id='m' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>"
        // Default (moderators only): a participant may not.
        #expect(errorOf(t.send(query, from: juliet))! == ("auth", "forbidden"))
        // Participants allowed: an unaffiliated participant may; a non-occupant (no role) still not.
        t.submitConfig(romeo, field("getmemberlist", "moderator", "participant"))
        expectOnly(t.send(query, from: juliet), [juliet: ["""
            <iq type='result' id='m'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='\(People.rosalineBare)' nick='Rosa'/></query></iq>
            """]])
        #expect(errorOf(t.send(query, from: rosaline))! == ("auth", "forbidden"))
        // Visitors only when listed.
        t.submitConfig(romeo, field("moderatedroom", "1"))
        t.join(rosaline, nick: "Rosa")  // a member: participant even when moderated
        t.join("visitor@localhost/v", nick: "Visitor")
        #expect(errorOf(t.send(query, from: "visitor@localhost/v"))! == ("auth", "forbidden"))
        t.submitConfig(romeo, field("getmemberlist", "visitor"))
        #expect(t.send(query, from: "visitor@localhost/v").to("visitor@localhost/v").first?.attribute("type") == "result")
        #expect(errorOf(t.send(query, from: juliet))! == ("auth", "forbidden"))
    }
}
