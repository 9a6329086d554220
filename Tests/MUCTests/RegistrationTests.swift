import Testing
import XMPPCore
@testable import MUC

/// §7.10 registration and §7.12 reserved nick discovery.
@Suite struct RegistrationTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    func get(_ t: inout Transcript, _ from: String) -> Output {
        t.send("<iq id='g' to='\(room)' type='get'><query xmlns='jabber:iq:register'/></iq>", from: from)
    }

    @Test func alreadyRegisteredGetsRegisteredAndUsername() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.send(ScriptFlowTests.register(id: "r", nick: "Montague"), from: romeo)
        expectOnly(get(&t, romeo), [romeo: ["""
            <iq type='result' id='g'><query xmlns='jabber:iq:register'><registered/><username>Montague</username>\
            <x xmlns='jabber:x:data' type='form'><field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field>\
            <field type='text-single' label='Nickname' var='muc#register_roomnick'><required/><value>Montague</value></field></x></query></iq>
            """]])
    }

    @Test func unaffiliatedRegistrationWhenAllowed() {
        var t = Transcript(MUCSettings(domain: "conference.localhost", allowUnaffiliatedRegistration: true))
        t.createInstantRoom(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        let out = t.send(ScriptFlowTests.register(id: "r", nick: "Juliet"), from: juliet)
        expectOnly(out, [
            romeo: [X.presence("Juliet", X.item("member", "participant", jid: juliet))],
            juliet: [X.presence("Juliet", X.item("member", "participant", jid: juliet) + X.status(110)), X.result("r")],
        ])
        // Still refused in a members-only room.
        t.submitConfig(romeo, field("membersonly", "1"))
        #expect(errorOf(get(&t, rosaline))! == ("auth", "registration-required"))
    }

    @Test func refusals() {
        var t = Transcript(MUCSettings(domain: "conference.localhost", allowUnaffiliatedRegistration: true))
        t.createInstantRoom(romeo, nick: "Romeo")
        t.send(ScriptFlowTests.register(id: "r", nick: "Romeo"), from: romeo)
        // Someone else's nick.
        #expect(errorOf(t.send(ScriptFlowTests.register(id: "r2", nick: "Romeo"), from: juliet))! == ("cancel", "conflict"))
        // A nick someone else is using in the room, reserved by nobody: conflict too; she stays.
        t.join(rosaline, nick: "Rosaline")
        let taken = t.send(ScriptFlowTests.register(id: "r2b", nick: "Rosaline"), from: juliet)
        #expect(errorOf(taken)! == ("cancel", "conflict"))
        #expect(taken.to(rosaline).isEmpty)
        t.send("<presence type='unavailable' to='\(room)/Rosaline'/>", from: rosaline)
        // Invisible nick, missing form, wrong form type.
        #expect(errorOf(t.send(ScriptFlowTests.register(id: "r3", nick: " "), from: juliet))! == ("modify", "not-acceptable"))
        #expect(errorOf(t.send("<iq id='r4' to='\(room)' type='set'><query xmlns='jabber:iq:register'/></iq>", from: juliet))! == ("modify", "bad-request"))
        #expect(errorOf(t.send("""
            <iq id='r5' to='\(room)' type='set'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>\
            <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field></x></query></iq>
            """, from: juliet))! == ("modify", "bad-request"))
        // §7.10: a form without the required nickname field is not a valid form (muc-bugs BUG-2).
        #expect(errorOf(t.send("""
            <iq id='r6' to='\(room)' type='set'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>\
            <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field></x></query></iq>
            """, from: juliet))! == ("modify", "bad-request"))
        #expect(errorOf(t.send(ScriptFlowTests.register(id: "r7", nick: "Juliet "), from: juliet))! == ("modify", "not-acceptable"))
        // Outcasts.
        t.admin(romeo, "<item affiliation='outcast' jid='\(People.rosalineBare)'/>")
        #expect(errorOf(get(&t, rosaline))! == ("auth", "forbidden"))
    }

    @Test func ownerRemovingRegistrationKeepsOwnership() throws {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.send(ScriptFlowTests.register(id: "r", nick: "Montague"), from: romeo)
        let out = t.send("<iq type='set' to='\(room)' id='u'><query xmlns='jabber:iq:register'><remove/></query></iq>", from: romeo)
        expectStanzas(out, to: romeo, [X.presence("Romeo", X.item("owner", "moderator", jid: romeo) + X.status(110)), X.result("u")])
        let record = try #require(t.service.record(of: try BareJID(room)))
        #expect(record.affiliations == [AffiliationRecord(jid: try BareJID(People.romeoBare), affiliation: .owner)])
    }

    @Test func memberInTheRoomUnregistering() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)' nick='Juliet'/>")
        t.join(juliet, nick: "Juliet")
        let out = t.send("<iq type='set' to='\(room)' id='u'><query xmlns='jabber:iq:register'><remove/></query></iq>", from: juliet)
        expectOnly(out, [
            romeo: [X.presence("Juliet", X.item("none", "participant", jid: juliet))],
            juliet: [X.presence("Juliet", X.item("none", "participant", jid: juliet) + X.status(110)), X.result("u")],
        ])
    }

    @Test func banDropsTheReservedNick() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)' nick='Juliet'/>")
        t.admin(romeo, "<item affiliation='outcast' jid='\(People.julietBare)'/>")
        #expect(t.join(rosaline, nick: "Juliet").to(rosaline).count == 3)
    }

    @Test func clearingAReservedNickWithAnEmptyNick() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)' nick='Juliet'/>")
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)' nick=''/>")
        #expect(t.join(rosaline, nick: "Juliet").to(rosaline).count == 3)
        // A nick reserved by someone else cannot be given away.
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)' nick='Jules'/>")
        #expect(errorOf(t.admin(romeo, "<item affiliation='member' jid='\(People.rosalineBare)' nick='Jules'/>"))! == ("cancel", "conflict"))
    }
}
