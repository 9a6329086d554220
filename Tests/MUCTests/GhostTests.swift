import Testing
import XMPPCore
@testable import MUC

/// §18.1.2 ghost users and §11.1 removal with status 333: delivery errors, and the pings the
/// runtime sends after reconnecting.
@Suite struct GhostTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    func ghostRemoval(_ t: Transcript) -> (romeo: String, juliet: String) {
        (X.presence("Juliet", type: "unavailable", X.status(333) + X.item("none", "none", jid: juliet)),
         X.presence("Juliet", type: "unavailable", X.status(333) + X.item("none", "none", jid: juliet) + X.status(110)))
    }

    @Test func pingsGoToEverySessionAndBouncesRemoveGhosts() {
        var t = Transcript.romeoAndJuliet()
        t.join("user2@localhost/phone", nick: "Juliet")
        t.join(romeo, nick: "Romeo", room: "other@conference.localhost")
        t.submitConfig(romeo, room: "other@conference.localhost", "")
        let pings = Output(t.service.pingOccupants(now: t.now))
        // One ping per session, from its room, with ids counted per room.
        expectOnly(pings, [
            romeo: ["<iq type='get' id='muc-ping-1' from='other@conference.localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
                    "<iq type='get' id='muc-ping-1' from='\(room)'><ping xmlns='urn:xmpp:ping'/></iq>"],
            juliet: ["<iq type='get' id='muc-ping-2' from='\(room)'><ping xmlns='urn:xmpp:ping'/></iq>"],
            "user2@localhost/phone": ["<iq type='get' id='muc-ping-3' from='\(room)'><ping xmlns='urn:xmpp:ping'/></iq>"],
        ])
        // A result changes nothing; an error that is not about delivery neither.
        #expect(t.send("<iq type='result' id='muc-ping-1' to='\(room)'/>", from: romeo).deliveries.isEmpty)
        #expect(t.send("<iq type='error' id='muc-ping-2' to='\(room)'><ping xmlns='urn:xmpp:ping'/><error type='cancel'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", from: juliet).deliveries.isEmpty)
        // The server bounces the ping to a lost session: only that session goes; the occupant stays.
        let phone = t.send("<iq type='error' id='muc-ping-3' to='\(room)'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", from: "user2@localhost/phone")
        #expect(phone.to("user2@localhost/phone").isEmpty)
        expectStanzas(phone, to: juliet, [X.presence("Juliet", X.item("none", "participant", jid: juliet) + X.status(110))])
        // The last session: the occupant is removed with 333 and everyone is told.
        let last = t.send("<iq type='error' id='muc-ping-2' to='\(room)'><error type='cancel'><recipient-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", from: juliet)
        let expected = ghostRemoval(t)
        expectOnly(last, [romeo: [expected.romeo], juliet: [expected.juliet]])
        // An error that is not an answer to the room's ping (or from a non-occupant) changes nothing.
        t.join(juliet, nick: "Juliet")
        #expect(t.send("<iq type='error' id='other' to='\(room)'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", from: juliet).deliveries.isEmpty)
        #expect(t.send("<iq type='error' id='muc-ping-9' to='\(room)'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", from: rosaline).deliveries.isEmpty)
    }

    @Test(arguments: ["gone", "item-not-found", "recipient-unavailable", "redirect", "remote-server-not-found",
                      "remote-server-timeout", "service-unavailable"])
    func deliveryErrorsRemoveTheOccupant(_ condition: String) {
        var t = Transcript.romeoAndJuliet()
        let expected = ghostRemoval(t)
        let message = t.send("<message type='error' to='\(room)'><error type='cancel'><\(condition) xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>", from: juliet)
        expectOnly(message, [romeo: [expected.romeo], juliet: [expected.juliet]])
        t.join(juliet, nick: "Juliet")
        let presence = t.send("<presence type='error' to='\(room)/Juliet'><error type='cancel'><\(condition) xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>", from: juliet)
        expectOnly(presence, [romeo: [expected.romeo], juliet: [expected.juliet]])
    }

    @Test(arguments: ["bad-request", "forbidden", "not-acceptable", "feature-not-implemented", "resource-constraint"])
    func otherErrorsDoNot(_ condition: String) {
        var t = Transcript.romeoAndJuliet()
        #expect(t.send("<message type='error' to='\(room)'><error type='cancel'><\(condition) xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>", from: juliet).deliveries.isEmpty)
        #expect(t.send("<presence type='error' to='\(room)/Juliet'><error type='cancel'><\(condition) xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>", from: juliet).deliveries.isEmpty)
        #expect(t.send("<message type='groupchat' to='\(room)'><body>still here</body></message>", from: juliet).deliveries.count == 2)
    }
}
