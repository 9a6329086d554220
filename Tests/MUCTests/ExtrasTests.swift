import Testing
import XMPPCore
@testable import MUC

/// Invitations (§7.8.2), voice requests (§7.13), IQs to occupants (§17.4, XEP-0410), room disco.
@Suite struct ExtrasTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    @Test func mediatedInvitationCarriesThePassword() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("roomsecret", "cauldronburn"))
        let out = t.send("<message id='inv' to='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='\(People.julietBare)'><reason>Come!</reason></invite></x></message>", from: romeo)
        expectOnly(out, [People.julietBare: ["""
            <message from='\(room)' id='inv'><x xmlns='http://jabber.org/protocol/muc#user'><invite from='\(room)/Romeo'><reason>Come!</reason></invite><password>cauldronburn</password></x><body/><x xmlns='jabber:x:conference' jid='\(room)'>Come!</x></message>
            """]])
        // Declining goes back to the inviter.
        let decline = t.send("<message to='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><decline to='\(People.romeoBare)'><reason>Busy</reason></decline></x></message>", from: juliet)
        expectOnly(decline, [People.romeoBare: ["""
            <message from='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><decline from='\(juliet)'><reason>Busy</reason></decline></x></message>
            """]])
        // Non-occupants cannot invite; bad JIDs are refused.
        #expect(errorOf(t.send("<message to='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='a@b'/></x></message>", from: rosaline))! == ("cancel", "not-acceptable"))
        #expect(errorOf(t.send("<message to='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='@'/></x></message>", from: romeo))! == ("modify", "jid-malformed"))
    }

    @Test func invitationsInMembersOnlyRooms() throws {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("membersonly", "1"))
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)'/>")
        t.join(juliet, nick: "Juliet")
        // A member may not invite unless allowinvites.
        #expect(errorOf(t.send("<message to='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='\(People.rosalineBare)'/></x></message>", from: juliet))! == ("auth", "forbidden"))
        t.submitConfig(romeo, field("allowinvites", "1"))
        let out = t.send("<message to='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='\(People.rosalineBare)'/></x></message>", from: juliet)
        // The invitee becomes a member (announced to moderators), then is invited.
        expectStanzas(out, to: romeo, [X.affiliationMessage(People.rosalineBare, "member")])
        #expect(out.to(People.rosalineBare).count == 1)
        #expect(t.join(rosaline, nick: "Rosaline").to(rosaline).count == 4)
    }

    @Test func voiceRequestAndApproval() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("moderatedroom", "1"))
        t.join(juliet, nick: "Juliet")
        let request = t.send("""
            <message to='\(room)'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field>\
            <field var='muc#role'><value>participant</value></field></x></message>
            """, from: juliet)
        let form = request.to(romeo).first?.child("x", namespace: NS.dataForms).flatMap(DataForm.init(element:))
        #expect(form?.formType == NS.mucRequest)
        #expect(form?["muc#roomnick"]?.value == "Juliet")
        #expect(request.recipients == [romeo])
        let approve = t.send("""
            <message to='\(room)'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field>\
            <field var='muc#role'><value>participant</value></field><field var='muc#roomnick'><value>Juliet</value></field>\
            <field var='muc#request_allow'><value>true</value></field></x></message>
            """, from: romeo)
        expectStanzas(approve, to: juliet, [X.presence("Juliet", X.item("none", "participant", jid: juliet, X.actor(nick: "Romeo")) + X.status(110))])
    }

    @Test func iqsToOccupantsAreForwardedWithoutRevealingJIDs() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        // vCard requests go to the bare JID, from the requester's occupant JID, under a new id.
        let out = t.send("<iq type='get' id='v1' to='\(room)/Romeo'><vCard xmlns='vcard-temp'/></iq>", from: juliet)
        let forwarded = out.to(People.romeoBare)
        #expect(forwarded.count == 1)
        #expect(forwarded.first?.attribute("from") == "\(room)/Juliet")
        let newID = forwarded.first?.attribute("id")
        #expect(newID != nil && newID != "v1")
        // The answer goes back under the original id, from the target's occupant JID.
        let answer = t.send("<iq type='result' id='\(newID!)' to='\(room)/Juliet'><vCard xmlns='vcard-temp'><FN>Romeo</FN></vCard></iq>", from: People.romeoBare)
        expectOnly(answer, [juliet: ["<iq type='result' id='v1' from='\(room)/Romeo'><vCard xmlns='vcard-temp'><FN>Romeo</FN></vCard></iq>"]])
        // A second answer, or one from someone else, is dropped.
        #expect(t.send("<iq type='result' id='\(newID!)' to='\(room)/Juliet'/>", from: People.romeoBare).deliveries.isEmpty)
        // Other requests go to the occupant's session.
        let version = t.send("<iq type='get' id='q' to='\(room)/Romeo'><query xmlns='jabber:iq:version'/></iq>", from: juliet)
        #expect(version.recipients == [romeo])
        // Self-ping (XEP-0410) is answered by the room; non-occupants are refused.
        expectOnly(t.send("<iq type='get' id='p' to='\(room)/Juliet'><ping xmlns='urn:xmpp:ping'/></iq>", from: juliet),
                   [juliet: ["<iq type='result' id='p' from='\(room)/Juliet'/>"]])
        expectOnly(t.send("<iq type='get' id='p' to='\(room)/Juliet'><ping xmlns='urn:xmpp:ping'/></iq>", from: rosaline), [rosaline: ["""
            <iq type='error' id='p' from='\(room)/Juliet'><error type='cancel' by='\(room)'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>
            """]])
        #expect(errorOf(t.send("<iq type='get' id='d' to='\(room)/Juliet'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: rosaline))! == ("modify", "bad-request"))
        #expect(errorOf(t.send("<iq type='get' id='d' to='\(room)/Nobody'><query xmlns='jabber:iq:version'/></iq>", from: juliet))! == ("cancel", "item-not-found"))
    }

    @Test func roomDiscoInfo() throws {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("roomname", "A Dark Cave") + field("roomdesc", "The place for all good witches!") + field("moderatedroom", "1"))
        let out = t.send("<iq type='get' id='i' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: juliet)
        let q = try #require(out.to(juliet).first?.child("query", namespace: NS.discoInfo))
        #expect(q.child("identity", namespace: NS.discoInfo)?.attribute("name") == "A Dark Cave")
        let features = Set(q.children("feature", namespace: NS.discoInfo).compactMap { $0.attribute("var") })
        #expect(features.isSuperset(of: [NS.muc, NS.mucStableID, "muc_unsecured", "muc_public", "muc_temporary", "muc_open", "muc_moderated", "muc_semianonymous"]))
        let form = try #require(q.child("x", namespace: NS.dataForms).flatMap(DataForm.init(element:)))
        #expect(form.formType == NS.mucRoomInfo)
        #expect(form["muc#roominfo_description"]?.value == "The place for all good witches!")
        #expect(form["muc#roominfo_occupants"]?.value == "1")
        // Items are private to non-occupants; unknown nodes do not exist; traffic node: not supported (§18.1.1).
        expectOnly(t.send("<iq type='get' id='it' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>", from: juliet),
                   [juliet: ["<iq type='result' id='it'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"]])
        #expect(errorOf(t.send("<iq type='get' id='n' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info' node='zzz'/></iq>", from: juliet))! == ("cancel", "item-not-found"))
        #expect(errorOf(t.send("<iq type='get' id='n' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info' node='http://jabber.org/protocol/muc#traffic'/></iq>", from: juliet))! == ("cancel", "feature-not-implemented"))
        #expect(errorOf(t.send("<iq type='get' id='n' to='\(room)'><query xmlns='urn:example'/></iq>", from: juliet))! == ("cancel", "service-unavailable"))
        expectOnly(t.send("<iq type='get' id='p' to='\(room)'><ping xmlns='urn:xmpp:ping'/></iq>", from: juliet), [juliet: ["<iq type='result' id='p'/>"]])
    }
}

/// The durable and refusal sides of invitations, voice requests and destruction.
@Suite struct ExtrasRefusalTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    /// §7.8.2: in a stored members-only room, the membership an invitation grants is stored before
    /// anything is sent.
    @Test func invitationMembershipIsStored() throws {
        var t = Transcript.romeoAndJuliet(config: field("persistentroom", "1"))
        t.submitConfig(romeo, field("membersonly", "1") + field("allowinvites", "1"))
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)'/>")
        t.join(juliet, nick: "Juliet")
        let out = t.send("<message to='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='\(People.rosalineBare)'/></x></message>", from: juliet)
        guard case .storeRoom(let record, _)? = out.actions.first, out.actions.count == 3 else {
            Issue.record("expected a store action first, got \(out.actions)")
            return
        }
        #expect(record.affiliations.contains { $0.jid.description == People.rosalineBare && $0.affiliation == .member })
        #expect(out.deliveries.count == 2)  // the announcement to the moderators, then the invitation
        // An invitation to someone already affiliated stores nothing.
        let again = t.send("<message to='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='\(People.rosalineBare)'/></x></message>", from: juliet)
        #expect(again.persisted.isEmpty && again.deliveries.count == 1)
    }

    @Test func voiceRequestRefusals() {
        var t = Transcript.romeoAndJuliet(config: field("moderatedroom", "1"))
        let request = """
            <message to='\(room)'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field>\
            <field var='muc#role'><value>participant</value></field></x></message>
            """
        expectError(t.send(request, from: rosaline), to: rosaline, kind: "message", type: "cancel", condition: "not-acceptable")
        // A participant (who has voice) or a moderator asking: nothing to do.
        t.admin(romeo, "<item nick='Juliet' role='participant'/>")
        #expect(t.send(request, from: juliet).deliveries.isEmpty)
        // An approval for someone who is not a visitor, or a denial, changes nothing.
        let deny = """
            <message to='\(room)'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field>\
            <field var='muc#role'><value>participant</value></field><field var='muc#roomnick'><value>Juliet</value></field>\
            <field var='muc#request_allow'><value>false</value></field></x></message>
            """
        #expect(t.send(deny, from: romeo).deliveries.isEmpty)
    }

    /// §10.9: the password travels in `<destroy/>`; only owners destroy; a temporary room has
    /// nothing to delete from storage.
    @Test func destroyRefusalsAndPassword() {
        var t = Transcript.romeoAndJuliet()
        let destroy = """
            <iq type='set' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'>\
            <destroy jid='coven@conference.localhost'><reason>Gone.</reason><password>secret</password></destroy></query></iq>
            """
        expectError(t.send(destroy, from: juliet), to: juliet, kind: "iq", type: "auth", condition: "forbidden")
        expectError(t.send(destroy, from: rosaline), to: rosaline, kind: "iq", type: "auth", condition: "forbidden")
        #expect(errorOf(t.send(destroy.replacingOccurrences(of: "coven@conference.localhost", with: "@bad"), from: romeo))! == ("modify", "jid-malformed"))
        let out = t.send(destroy, from: romeo)
        #expect(out.deleted.isEmpty)
        let x = "<destroy jid='coven@conference.localhost'><reason>Gone.</reason><password>secret</password></destroy>"
        expectOnly(out, [
            romeo: [X.presence("Romeo", type: "unavailable", x + X.item("owner", "none", jid: romeo) + X.status(110)), X.result("d")],
            juliet: [X.presence("Juliet", type: "unavailable", x + X.item("none", "none", jid: juliet) + X.status(110))],
        ])
        #expect(t.service.roomCount == 0)
        expectError(t.send("<message type='groupchat' to='\(room)'><body>hello?</body></message>", from: juliet),
                    to: juliet, kind: "message", type: "cancel", condition: "item-not-found")
    }
}
