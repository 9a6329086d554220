import Testing
import XMPPCore
@testable import MUC

/// The four reference scripts' flows with everything each client receives, in order, checked
/// exactly (the scripts themselves leave some stanzas unchecked).
@Suite struct ScriptFlowTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline
    let room = People.room

    /// muc_password.scs
    @Test func passwordProtectedRoom() {
        var t = Transcript()
        var out = t.join(romeo, nick: "Romeo")
        expectOnly(out, [romeo: [X.presence("Romeo", X.status(201) + X.item("owner", "moderator", jid: romeo) + X.status(110)), X.emptySubject]])

        out = t.submitConfig(romeo, field("roomsecret", "cauldronburn"), id: "config1")
        // Unlocking with a change: the result, then 104 (as Prosody; the reference script leaves it unchecked).
        expectOnly(out, [romeo: [X.result("config1"), X.statusMessage(104)]])

        out = t.join(juliet, nick: "Juliet")
        expectOnly(out, [juliet: ["""
            <presence from='\(room)/Juliet' type='error'><error type='auth' by='\(room)'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>
            """]])

        out = t.join(juliet, nick: "Juliet", x: "<password>cauldronburn</password>")
        expectOnly(out, [
            juliet: [X.presence("Romeo", X.item("owner", "moderator")),
                     X.presence("Juliet", X.item("none", "participant", jid: juliet) + X.status(110)),
                     X.emptySubject],
            romeo: [X.presence("Juliet", X.item("none", "participant", jid: juliet))],
        ])

        out = t.send("<presence type='unavailable' to='\(room)'/>", from: juliet)
        expectOnly(out, [
            romeo: [X.presence("Juliet", type: "unavailable", X.item("none", "none", jid: juliet))],
            juliet: [X.presence("Juliet", type: "unavailable", X.item("none", "none", jid: juliet) + X.status(110))],
        ])

        out = t.submitConfig(romeo, "<field var='muc#roomconfig_roomsecret'></field>", id: "config2")
        expectOnly(out, [romeo: [X.result("config2"), X.statusMessage(104)]])

        out = t.join(juliet, nick: "Juliet")
        expectOnly(out, [
            juliet: [X.presence("Romeo", X.item("owner", "moderator")),
                     X.presence("Juliet", X.item("none", "participant", jid: juliet) + X.status(110)),
                     X.emptySubject],
            romeo: [X.presence("Juliet", X.item("none", "participant", jid: juliet))],
        ])
    }

    /// muc_members_only_change.scs
    @Test func membersOnlyRoomRemovesFormerMember() {
        var t = Transcript()
        t.join(romeo, nick: "Romeo")
        var out = t.submitConfig(romeo, field("membersonly", "1"), id: "config1")
        // Unlocking with a change: the result, then 104 (as Prosody; the reference script leaves it unchecked).
        expectOnly(out, [romeo: [X.result("config1"), X.statusMessage(104)]])

        out = t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)'/>", id: "member1")
        expectOnly(out, [romeo: [X.affiliationMessage(People.julietBare, "member"), X.result("member1")]])

        out = t.join(juliet, nick: "Juliet")
        expectOnly(out, [
            juliet: [X.presence("Romeo", X.item("owner", "moderator")),
                     X.presence("Juliet", X.item("member", "participant", jid: juliet) + X.status(110)),
                     X.emptySubject],
            romeo: [X.presence("Juliet", X.item("member", "participant", jid: juliet))],
        ])

        out = t.admin(romeo, "<item affiliation='none' jid='\(People.julietBare)'/>", id: "member2")
        expectOnly(out, [
            romeo: [X.presence("Juliet", type: "unavailable",
                               X.status(321) + X.item("none", "none", jid: juliet, X.actor(nick: "Romeo", jid: romeo))),
                    X.result("member2")],
            juliet: [X.presence("Juliet", type: "unavailable",
                                X.status(321) + X.item("none", "none", jid: juliet, X.actor(nick: "Romeo")) + X.status(110))],
        ])
        // The former member may not come back.
        expectError(t.join(juliet, nick: "Juliet"), to: juliet, type: "auth", condition: "registration-required", from: "\(room)/Juliet")
    }

    /// muc_affiliation_notify.scs
    @Test func affiliationChangesOfNonOccupantsAreAnnounced() {
        var t = Transcript()
        t.join(romeo, nick: "Romeo")
        var out = t.submitConfig(romeo, " ", id: "config1")
        expectOnly(out, [romeo: [X.result("config1")]])
        // A submission that changes nothing sends no notification.
        out = t.submitConfig(romeo, "<field var='muc#roomconfig_whois'><value>moderators</value></field>", id: "config1b")
        expectOnly(out, [romeo: [X.result("config1b")]])

        out = t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)'/>", id: "member1")
        expectOnly(out, [romeo: [X.affiliationMessage(People.julietBare, "member"), X.result("member1")]])
        #expect(out.index(of: romeo, matching: X.affiliationMessage(People.julietBare, "member"))! < out.index(of: romeo, matching: X.result("member1"))!)

        out = t.join(juliet, nick: "Juliet")
        expectOnly(out, [
            juliet: [X.presence("Romeo", X.item("owner", "moderator")),
                     X.presence("Juliet", X.item("member", "participant", jid: juliet) + X.status(110)),
                     X.emptySubject],
            romeo: [X.presence("Juliet", X.item("member", "participant", jid: juliet))],
        ])

        out = t.send("<iq id='member3' to='\(room)' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>", from: romeo)
        expectOnly(out, [romeo: ["""
            <iq from='\(room)' type='result' id='member3'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='\(People.julietBare)'/></query></iq>
            """]])

        out = t.admin(romeo, "<item affiliation='member' jid='\(People.rosalineBare)'/>", id: "member2")
        // Semi-anonymous room: only moderators learn the bare JID.
        expectOnly(out, [romeo: [X.affiliationMessage(People.rosalineBare, "member"), X.result("member2")]])

        out = t.send("<message type='groupchat' to='\(room)' id='fin'><body>Finished!</body></message>", from: romeo)
        let finished = "<message type='groupchat' from='\(room)/Romeo' id='fin'><body>Finished!</body></message>"
        expectOnly(out, [romeo: [finished], juliet: [finished]])
    }

    /// muc_show_offline.scs
    @Test func registrationAndOfflinePresence() {
        var t = Transcript()
        t.join(romeo, nick: "Romeo")
        var out = t.submitConfig(romeo, field("presencebroadcast", "none", "participant", "moderator"), id: "config1")
        // Unlocking with a change: the result, then 104 (as Prosody; the reference script leaves it unchecked).
        expectOnly(out, [romeo: [X.result("config1"), X.statusMessage(104)]])

        out = t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)'/>", id: "member1")
        expectOnly(out, [romeo: [X.affiliationMessage(People.julietBare, "member"), X.result("member1")]])

        out = t.join(juliet, nick: "Juliet")
        expectOnly(out, [
            juliet: [X.presence("Romeo", X.item("owner", "moderator")),
                     X.presence("Juliet", X.item("member", "participant", jid: juliet) + X.status(110)),
                     X.emptySubject],
            romeo: [X.presence("Juliet", X.item("member", "participant", jid: juliet))],
        ])

        // Juliet retrieves the registration form and registers.
        out = t.send("<iq id='jw81b36f' to='\(room)' type='get'><query xmlns='jabber:iq:register'/></iq>", from: juliet)
        let registrationForm = """
            <iq type='result' from='\(room)' id='jw81b36f'><query xmlns='jabber:iq:register'><x type='form' xmlns='jabber:x:data'>\
            <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field>\
            <field type='text-single' label='Nickname' var='muc#register_roomnick'><required/></field></x></query></iq>
            """
        expectOnly(out, [juliet: [registrationForm]])
        out = t.send(Self.register(id: "nv71va54", nick: "Juliet"), from: juliet)
        expectOnly(out, [
            romeo: [X.presence("Juliet", X.item("member", "participant", jid: juliet))],
            juliet: [X.presence("Juliet", X.item("member", "participant", jid: juliet) + X.status(110)), X.result("nv71va54")],
        ])

        out = t.send("<iq id='getnick1' to='\(room)' type='get'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>", from: juliet)
        expectOnly(out, [juliet: ["""
            <iq type='result' from='\(room)' id='getnick1'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'><identity category='conference' name='Juliet' type='text'/></query></iq>
            """]])

        // Juliet leaves: with 'none' broadcast, others still get the usual unavailable presence.
        out = t.send("<presence type='unavailable' to='\(room)/Juliet'/>", from: juliet)
        expectOnly(out, [
            romeo: [X.presence("Juliet", type: "unavailable", X.item("member", "none", jid: juliet))],
            juliet: [X.presence("Juliet", type: "unavailable", X.item("member", "none", jid: juliet) + X.status(110))],
        ])

        // Rosaline may not take Juliet's reserved nick.
        expectError(t.join(rosaline, nick: "Juliet"), to: rosaline, type: "cancel", condition: "conflict", from: "\(room)/Juliet")

        // Juliet unregisters: she is not in the room, so the change is announced by message.
        out = t.send("<iq type='set' to='\(room)' id='unreg1'><query xmlns='jabber:iq:register'><remove/></query></iq>", from: juliet)
        expectOnly(out, [romeo: [X.affiliationMessage(People.julietBare, "none")], juliet: [X.result("unreg1")]])

        // Now Rosaline can use the nick.
        out = t.join(rosaline, nick: "Juliet")
        expectOnly(out, [
            rosaline: [X.presence("Romeo", X.item("owner", "moderator")),
                       X.presence("Juliet", X.item("none", "participant", jid: rosaline) + X.status(110)),
                       X.emptySubject],
            romeo: [X.presence("Juliet", X.item("none", "participant", jid: rosaline))],
        ])

        // Romeo restores Juliet's nick: the impostor is kicked (no actor), then the change is announced.
        out = t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)' nick='Juliet'/>", id: "member1")
        expectOnly(out, [
            romeo: [X.presence("Juliet", type: "unavailable", X.status(307) + X.item("none", "none", jid: rosaline, X.reason("This nickname is reserved"))),
                    X.affiliationMessage(People.julietBare, "member"),
                    X.result("member1")],
            rosaline: [X.presence("Juliet", type: "unavailable",
                                  X.status(307) + X.item("none", "none", jid: rosaline, X.reason("This nickname is reserved")) + X.status(110))],
        ])

        expectError(t.join(rosaline, nick: "Juliet"), to: rosaline, type: "cancel", condition: "conflict", from: "\(room)/Juliet")

        out = t.join(juliet, nick: "Juliet")
        expectOnly(out, [
            juliet: [X.presence("Romeo", X.item("owner", "moderator")),
                     X.presence("Juliet", X.item("member", "participant", jid: juliet) + X.status(110)),
                     X.emptySubject],
            romeo: [X.presence("Juliet", X.item("member", "participant", jid: juliet))],
        ])

        // Romeo has no reserved nick yet: an empty query.
        out = t.send("<iq id='getnick1' to='\(room)' type='get'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>", from: romeo)
        expectOnly(out, [romeo: ["<iq type='result' from='\(room)' id='getnick1'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>"]])

        out = t.send("<iq id='jw81b36f' to='\(room)' type='get'><query xmlns='jabber:iq:register'/></iq>", from: romeo)
        expectOnly(out, [romeo: [registrationForm]])
        out = t.send(Self.register(id: "nv71va54", nick: "Romeo"), from: romeo)
        expectOnly(out, [
            juliet: [X.presence("Romeo", X.item("owner", "moderator"))],
            romeo: [X.presence("Romeo", X.item("owner", "moderator", jid: romeo) + X.status(110)), X.result("nv71va54")],
        ])

        out = t.send("<iq id='getnick1' to='\(room)' type='get'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>", from: romeo)
        expectOnly(out, [romeo: ["""
            <iq type='result' from='\(room)' id='getnick1'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'><identity category='conference' name='Romeo' type='text'/></query></iq>
            """]])

        out = t.send("<iq id='member3' to='\(room)' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>", from: romeo)
        expectOnly(out, [romeo: ["""
            <iq from='\(room)' type='result' id='member3'><query xmlns='http://jabber.org/protocol/muc#admin'><item jid='\(People.julietBare)' affiliation='member' nick='Juliet'/></query></iq>
            """]])

        out = t.send("<presence type='unavailable' to='\(room)/Juliet'/>", from: juliet)
        expectOnly(out, [
            romeo: [X.presence("Juliet", type: "unavailable", X.item("member", "none", jid: juliet))],
            juliet: [X.presence("Juliet", type: "unavailable", X.item("member", "none", jid: juliet) + X.status(110))],
        ])

        // Rosaline joins as herself: she is told about Juliet, absent member with a reserved nick.
        out = t.join(rosaline, nick: "Rosaline")
        expectOnly(out, [
            rosaline: [X.presence("Romeo", X.item("owner", "moderator")),
                       X.presence("Juliet", type: "unavailable", X.item("member", "none", nick: "Juliet")),
                       X.presence("Rosaline", X.item("none", "participant", jid: rosaline) + X.status(110)),
                       X.emptySubject],
            romeo: [X.presence("Rosaline", X.item("none", "participant", jid: rosaline))],
        ])

        // Unaffiliated registration is refused by default, for get and set.
        out = t.send("<iq id='reg990' to='\(room)' type='get'><query xmlns='jabber:iq:register'/></iq>", from: rosaline)
        expectError(out, to: rosaline, kind: "iq", type: "auth", condition: "registration-required", from: room)
        out = t.send(Self.register(id: "reg991", nick: "Romeo"), from: rosaline)
        expectError(out, to: rosaline, kind: "iq", type: "auth", condition: "registration-required", from: room)

        // Romeo reserves her nickname for her: moderators see actor nick and JID, she sees the nick.
        out = t.admin(romeo, "<item affiliation='member' jid='\(People.rosalineBare)' nick='Rosaline'/>", id: "member2")
        expectOnly(out, [
            romeo: [X.presence("Rosaline", X.item("member", "participant", jid: rosaline, X.actor(nick: "Romeo", jid: romeo))),
                    X.result("member2")],
            rosaline: [X.presence("Rosaline", X.item("member", "participant", jid: rosaline, X.actor(nick: "Romeo")) + X.status(110))],
        ])

        // Romeo reserves his own nick through the admin query.
        out = t.admin(romeo, "<item nick='Romeo' affiliation='owner' jid='\(People.romeoBare)'/>", id: "reserve")
        expectOnly(out, [
            rosaline: [X.presence("Romeo", X.item("owner", "moderator", X.actor(nick: "Romeo")))],
            romeo: [X.presence("Romeo", X.item("owner", "moderator", jid: romeo, X.actor(nick: "Romeo")) + X.status(110)),
                    X.result("reserve")],
        ])
    }

    static func register(id: String, nick: String) -> String {
        """
        <iq id='\(id)' to='\(People.room)' type='set'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>\
        <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field>\
        <field var='muc#register_roomnick'><value>\(nick)</value></field></x></query></iq>
        """
    }
}
