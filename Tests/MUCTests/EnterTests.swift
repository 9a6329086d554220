import Testing
import XMPPCore
@testable import MUC

/// §7.2: entering a room, and every refusal with its exact error.
@Suite struct EnterTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room
    let nurse = "nurse@localhost/n"

    @Test func existingOccupantsFirstThenSelfThenSubject() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        let out = t.join(rosaline, nick: "Rosaline", extra: "<status>Hello</status><show>away</show>")
        expectOnly(out, [
            rosaline: [X.presence("Romeo", X.item("owner", "moderator")),
                       X.presence("Juliet", X.item("none", "participant")),
                       "<presence from='\(room)/Rosaline'><status>Hello</status><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'>\(X.item("none", "participant", jid: rosaline))\(X.status(110))</x></presence>",
                       X.emptySubject],
            romeo: ["<presence from='\(room)/Rosaline'><status>Hello</status><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'>\(X.item("none", "participant", jid: rosaline))</x></presence>"],
            juliet: ["<presence from='\(room)/Rosaline'><status>Hello</status><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'>\(X.item("none", "participant"))</x></presence>"],
        ])
        // Order: roster, self-presence, subject.
        #expect(out.index(of: rosaline, matching: X.presence("Juliet", X.item("none", "participant")))!
                < out.index(of: rosaline, matching: "<presence from='\(room)/Rosaline'/>")!)
        #expect(out.index(of: rosaline, matching: "<presence from='\(room)/Rosaline'/>")! < out.index(of: rosaline, matching: X.emptySubject)!)
    }

    @Test func joinPayloadIsReflectedButTheMucElementsAreNot() throws {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        let out = t.send("""
            <presence id='j1' to='\(room)/Juliet'><x xmlns='http://jabber.org/protocol/muc'><password>x</password></x>\
            <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/><priority>5</priority>\
            <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner'/></x>\
            <x xmlns='vcard-temp:x:update'><photo>abc</photo></x></presence>
            """, from: juliet)
        let p = try #require(out.to(romeo).first)
        #expect(p.attribute("id") == "j1")
        #expect(p.elements.map { "\($0.namespace) \($0.name)" } == [
            "http://jabber.org/protocol/caps c", "\(NS.component) priority", "vcard-temp:x:update x", "\(NS.mucUser) x",
            "\(NS.occupantID) occupant-id",
        ])
        // The muc#user element is the room's own, not the client's.
        #expect(p.child("x", namespace: NS.mucUser)?.child("item", namespace: NS.mucUser)?.attribute("affiliation") == "none")
    }

    @Test func nonAnonymousRoomsShowJIDsToEveryoneAndSay100() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("whois", "anyone"))
        let out = t.join(juliet, nick: "Juliet")
        expectOnly(out, [
            juliet: [X.presence("Romeo", X.item("owner", "moderator", jid: romeo)),
                     X.presence("Juliet", X.item("none", "participant", jid: juliet) + X.status(100, 110)),
                     X.emptySubject],
            romeo: [X.presence("Juliet", X.item("none", "participant", jid: juliet))],
        ])
    }

    @Test func nickInUseIsAConflict() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        let out = t.send("<presence id='e1' to='\(room)/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>", from: juliet)
        expectOnly(out, [juliet: ["""
            <presence type='error' id='e1' from='\(room)/Romeo'><error type='cancel' by='\(room)'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>
            """]])
    }

    /// The same bare JID may join the same nick from another resource (§7.2.8, as deployed servers do).
    @Test func sameUserSameNickFromAnotherResourceIsASecondSession() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        let phone = "user@localhost/phone"
        let out = t.join(phone, nick: "Romeo")
        expectOnly(out, [
            phone: [X.presence("Juliet", X.item("none", "participant", jid: juliet)),
                    X.presence("Romeo", X.item("owner", "moderator", jid: romeo) + X.item("owner", "moderator", jid: phone) + X.status(110)),
                    X.emptySubject],
            romeo: [X.presence("Romeo", X.item("owner", "moderator", jid: romeo) + X.item("owner", "moderator", jid: phone) + X.status(110))],
            juliet: [X.presence("Romeo", X.item("owner", "moderator"))],
        ])
        // Messages reach both sessions.
        let m = t.send("<message type='groupchat' to='\(room)' id='m'><body>hi</body></message>", from: juliet)
        #expect(Set(m.recipients) == [romeo, phone, juliet])
        // One session leaves: the occupant stays with the other.
        let leave = t.send("<presence type='unavailable' to='\(room)/Romeo'/>", from: phone)
        expectOnly(leave, [
            phone: [X.presence("Romeo", type: "unavailable", X.item("owner", "none", jid: phone) + X.status(110))],
            romeo: [X.presence("Romeo", X.item("owner", "moderator", jid: romeo) + X.status(110))],
            juliet: [X.presence("Romeo", X.item("owner", "moderator"))],
        ])
    }

    @Test func bannedUserIsForbidden() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.admin(romeo, "<item affiliation='outcast' jid='\(People.julietBare)'/>")
        expectError(t.join(juliet, nick: "Juliet"), to: juliet, type: "auth", condition: "forbidden", from: "\(room)/Juliet")
    }

    @Test func membersOnlyRoomRequiresRegistration() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo", config: "")
        t.submitConfig(romeo, field("membersonly", "1"))
        expectError(t.join(juliet, nick: "Juliet"), to: juliet, type: "auth", condition: "registration-required", from: "\(room)/Juliet")
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)'/>")
        #expect(t.join(juliet, nick: "Juliet").to(juliet).count == 3)
    }

    @Test func wrongPasswordIsNotAuthorized() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("roomsecret", "secret"))
        expectError(t.join(juliet, nick: "Juliet", x: "<password>guess</password>"), to: juliet, type: "auth", condition: "not-authorized")
        expectError(t.join(juliet, nick: "Juliet"), to: juliet, type: "auth", condition: "not-authorized")
        #expect(t.join(juliet, nick: "Juliet", x: "<password>secret</password>").to(juliet).count == 3)
    }

    @Test func fullRoomIsServiceUnavailableExceptForAdmins() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("maxusers", "2"))
        t.join(juliet, nick: "Juliet")
        expectError(t.join(rosaline, nick: "Rosaline"), to: rosaline, type: "wait", condition: "service-unavailable", from: "\(room)/Rosaline")
        t.admin(romeo, "<item affiliation='admin' jid='\(People.rosalineBare)'/>")
        #expect(t.join(rosaline, nick: "Rosaline").to(rosaline).count == 4)
    }

    @Test func serviceLimitBoundsUnlimitedRooms() {
        var t = Transcript(MUCSettings(domain: "conference.localhost", maxOccupantsLimit: 1))
        t.createInstantRoom(romeo, nick: "Romeo")
        expectError(t.join(juliet, nick: "Juliet"), to: juliet, type: "wait", condition: "service-unavailable")
    }

    @Test(arguments: [" ", "\u{3000}", "\u{200B}", "\u{2060}\u{200D}"])
    func invisibleNicksAreMalformed(_ nick: String) {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        expectError(t.join(juliet, nick: nick), to: juliet, type: "modify", condition: "jid-malformed")
    }

    @Test func reservedNickIsAConflictForOthers() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)' nick='Jules'/>")
        expectError(t.join(rosaline, nick: "Jules"), to: rosaline, type: "cancel", condition: "conflict")
        #expect(t.join(juliet, nick: "Jules").to(juliet).count == 3)
    }

    /// §7.2.18: presence without the MUC element from a non-occupant is answered with a kick.
    @Test func presenceWithoutMucElementFromNonOccupant() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        let out = t.send("<presence to='\(room)/Juliet'/>", from: juliet)
        expectOnly(out, [juliet: [X.presence("Juliet", type: "unavailable",
                                             X.item("none", "none", X.reason("You are not in the room.")) + X.status(110, 307, 333))]])
        // Also for a room that does not exist (nothing is created).
        let gone = t.send("<presence to='nowhere@conference.localhost/Juliet'/>", from: juliet)
        #expect(gone.to(juliet).first?.attribute("type") == "unavailable")
        #expect(t.service.roomCount == 1)
    }

    @Test func repeatedJoinResynchronises() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        let out = t.join(juliet, nick: "Juliet")
        expectOnly(out, [
            juliet: [X.presence("Romeo", X.item("owner", "moderator")),
                     X.presence("Juliet", X.item("none", "participant", jid: juliet) + X.status(110)),
                     X.emptySubject],
            romeo: [X.presence("Juliet", X.item("none", "participant", jid: juliet))],
        ])
    }

    @Test func presenceErrorsAndProbesAreNotJoins() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        // A probe from a non-occupant is refused (see ProbeTests), never a join.
        expectError(t.send("<presence type='probe' to='\(room)/Romeo'/>", from: juliet), to: juliet, type: "cancel", condition: "not-acceptable")
        #expect(t.send("<presence type='subscribe' to='\(room)/X'/>", from: juliet).deliveries.isEmpty)
        #expect(t.send("<presence type='unavailable' to='\(room)/X'/>", from: juliet).deliveries.isEmpty)
        #expect(t.send("<presence type='error' to='\(room)/X'/>", from: juliet).deliveries.isEmpty)
        #expect(t.send("<presence type='weird' to='\(room)/X'><x xmlns='http://jabber.org/protocol/muc'/></presence>", from: juliet).deliveries.isEmpty)
    }

    @Test func moderatedRoomsMakeUnaffiliatedUsersVisitors() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("moderatedroom", "1"))
        let out = t.join(juliet, nick: "Juliet")
        expectStanzas(out, to: romeo, [X.presence("Juliet", X.item("none", "visitor", jid: juliet))])
    }
}
