import Testing
import XMPPCore
@testable import MUC

/// The service domain itself (§6.1–§6.3) and rooms that do not exist.
@Suite struct ServiceTests {
    let romeo = People.romeo, juliet = People.juliet, room = People.room
    let service = "conference.localhost"

    @Test func discoInfoOfTheService() {
        var t = Transcript(MUCSettings(domain: service, name: "Verona Chat"))
        let out = t.send("<iq type='get' id='i1' to='\(service)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: romeo)
        expectOnly(out, [romeo: ["""
            <iq type='result' id='i1' from='\(service)'><query xmlns='http://jabber.org/protocol/disco#info'>\
            <identity category='conference' name='Verona Chat' type='text'/>\
            <feature var='http://jabber.org/protocol/disco#info'/>\
            <feature var='http://jabber.org/protocol/disco#items'/>\
            <feature var='http://jabber.org/protocol/muc'/>\
            <feature var='http://jabber.org/protocol/muc#stable_id'/>\
            <feature var='jabber:iq:register'/>\
            <feature var='urn:xmpp:ping'/>\
            <feature var='urn:xmpp:occupant-id:0'/>\
            <feature var='http://jabber.org/protocol/commands'/>\
            </query></iq>
            """]])
    }

    @Test func discoItemsListsPublicConfiguredRooms() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo", room: "b@\(service)", config: "")
        t.join(romeo, nick: "Romeo", room: "a@\(service)")
        t.submitConfig(romeo, room: "a@\(service)", field("roomname", "The Balcony"))
        t.join(romeo, nick: "Romeo", room: "hidden@\(service)")
        t.submitConfig(romeo, room: "hidden@\(service)", field("publicroom", "0"))
        t.join(romeo, nick: "Romeo", room: "locked@\(service)")  // not configured yet
        let out = t.send("<iq type='get' id='i2' to='\(service)'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>", from: juliet)
        expectOnly(out, [juliet: ["""
            <iq type='result' id='i2'><query xmlns='http://jabber.org/protocol/disco#items'>\
            <item jid='a@\(service)' name='The Balcony'/><item jid='b@\(service)' name='b'/></query></iq>
            """]])
    }

    @Test func unknownAndMalformedRequests() {
        var t = Transcript()
        func ask(_ xml: String) -> Output { t.send(xml, from: romeo) }
        #expect(errorOf(ask("<iq type='get' id='x' to='\(service)'><query xmlns='urn:example:unknown'/></iq>"))! == ("cancel", "service-unavailable"))
        #expect(errorOf(ask("<iq type='set' id='x' to='\(service)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"))! == ("cancel", "feature-not-implemented"))
        #expect(errorOf(ask("<iq type='get' id='x' to='\(service)'><query xmlns='http://jabber.org/protocol/disco#info' node='nope'/></iq>"))! == ("cancel", "item-not-found"))
        #expect(errorOf(ask("<iq type='get' id='x' to='\(service)'/>"))! == ("modify", "bad-request"))
        #expect(errorOf(ask("<iq type='bogus' id='x' to='\(service)'><ping xmlns='urn:xmpp:ping'/></iq>"))! == ("modify", "bad-request"))
        #expect(errorOf(ask("<iq type='get' id='x' to='\(service)'><query xmlns='jabber:iq:register'/></iq>"))! == ("cancel", "feature-not-implemented"))
        #expect(errorOf(ask("<message to='\(service)'><body>hi</body></message>"))! == ("cancel", "service-unavailable"))
        expectOnly(ask("<iq type='get' id='p' to='\(service)'><ping xmlns='urn:xmpp:ping'/></iq>"), [romeo: ["<iq type='result' id='p'/>"]])
        // Never answered: results, errors, presence, error and headline messages.
        #expect(ask("<iq type='result' id='x' to='\(service)'/>").deliveries.isEmpty)
        #expect(ask("<iq type='error' id='x' to='\(service)'/>").deliveries.isEmpty)
        #expect(ask("<presence to='\(service)'/>").deliveries.isEmpty)
        #expect(ask("<message type='error' to='\(service)'/>").deliveries.isEmpty)
        #expect(ask("<message type='headline' to='\(service)'><body>x</body></message>").deliveries.isEmpty)
        // Not for us, or without a sender.
        #expect(ask("<iq type='get' id='x' to='other.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>").deliveries.isEmpty)
        var noFrom = TestXML.parse("<iq type='get' id='x' to='\(service)'><ping xmlns='urn:xmpp:ping'/></iq>")
        noFrom.setAttribute("from", nil)
        #expect(t.service.handle(try! Stanza(noFrom), now: 0).isEmpty)
    }

    @Test func stanzasToARoomThatDoesNotExist() {
        var t = Transcript()
        #expect(errorOf(t.send("<iq type='get' id='x' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: romeo))! == ("cancel", "item-not-found"))
        #expect(errorOf(t.send("<iq type='get' id='x' to='\(room)'><query xmlns='jabber:iq:register'/></iq>", from: romeo))! == ("cancel", "item-not-found"))
        expectError(t.send("<message type='groupchat' to='\(room)'><body>hi</body></message>", from: romeo),
                    to: romeo, kind: "message", type: "cancel", condition: "item-not-found", from: room)
        expectError(t.send("<presence to='\(room)'><x xmlns='http://jabber.org/protocol/muc'/></presence>", from: romeo),
                    to: romeo, type: "modify", condition: "jid-malformed", from: room)
        #expect(t.send("<presence type='unavailable' to='\(room)/Romeo'/>", from: romeo).deliveries.isEmpty)
        #expect(t.send("<iq type='result' id='x' to='\(room)'/>", from: romeo).deliveries.isEmpty)
        #expect(t.service.roomCount == 0)
    }

    @Test func presenceWithoutNickGetsJidMalformedWithBy() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        let out = t.send("<presence id='n1' to='\(room)'><x xmlns='http://jabber.org/protocol/muc'/></presence>", from: juliet)
        expectOnly(out, [juliet: ["""
            <presence type='error' id='n1' from='\(room)'><error type='modify' by='\(room)'><jid-malformed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>
            """]])
    }

    @Test(arguments: [
        (RoomCreationPolicy.anyone, "someone@elsewhere/x", true),
        (.localUsers, "user@localhost/x", true),
        (.localUsers, "someone@elsewhere/x", false),
        (.localUsers, "localhost/x", false),
        (.adminsOnly, "user@localhost/x", false),
        (.adminsOnly, "boss@localhost/x", true),
        (.localUsers, "boss@elsewhere/x", true),
    ])
    func roomCreationPolicy(_ policy: RoomCreationPolicy, _ user: String, _ allowed: Bool) throws {
        let admins: Set<BareJID> = [try BareJID("boss@localhost"), try BareJID("boss@elsewhere")]
        var t = Transcript(MUCSettings(domain: "conference.localhost", admins: admins, roomCreation: policy))
        let out = t.join(user, nick: "N")
        if allowed {
            #expect(out.to(user).count == 2)
            #expect(t.service.roomCount == 1)
        } else {
            expectError(out, to: user, type: "cancel", condition: "not-allowed", from: "\(room)/N")
            #expect(t.service.roomCount == 0)
        }
    }

    @Test func invisibleNickCannotCreateARoom() {
        var t = Transcript()
        expectError(t.join(romeo, nick: "\u{200B} "), to: romeo, type: "modify", condition: "jid-malformed")
        #expect(t.service.roomCount == 0)
    }

    @Test func serviceShutdownRemovesEveryone() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        t.join(romeo, nick: "Romeo", room: "keep@conference.localhost")
        t.submitConfig(romeo, room: "keep@conference.localhost", field("persistentroom", "1"))
        let out = Output(t.service.removeAllOccupants())
        let gone = "<x xmlns='http://jabber.org/protocol/muc#user'>\(X.item("none", "none"))\(X.status(110, 332))</x>"
        expectOnly(out, [
            romeo: ["<presence type='unavailable' from='keep@conference.localhost/Romeo'>\(gone)</presence>",
                    "<presence type='unavailable' from='\(room)/Romeo'>\(gone)</presence>"],
            juliet: ["<presence type='unavailable' from='\(room)/Juliet'>\(gone)</presence>"],
        ])
        #expect(t.service.roomCount == 1)
    }
}
