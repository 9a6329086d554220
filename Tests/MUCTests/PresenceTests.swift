import Testing
import XMPPCore
@testable import MUC

/// §7.6 nick changes, §7.7 availability changes, §7.14 exits, presence broadcast settings.
@Suite struct PresenceTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    func roomWithTwo() -> Transcript {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        return t
    }

    @Test func availabilityChangeGoesToEveryone() {
        var t = roomWithTwo()
        let out = t.send("<presence id='s1' to='\(room)/Juliet'><show>xa</show><status>gone where the goblins go</status></presence>", from: juliet)
        let payload = "<show>xa</show><status>gone where the goblins go</status>"
        expectOnly(out, [
            romeo: ["<presence id='s1' from='\(room)/Juliet'>\(payload)<x xmlns='http://jabber.org/protocol/muc#user'>\(X.item("none", "participant", jid: juliet))</x></presence>"],
            juliet: ["<presence id='s1' from='\(room)/Juliet'>\(payload)<x xmlns='http://jabber.org/protocol/muc#user'>\(X.item("none", "participant", jid: juliet))\(X.status(110))</x></presence>"],
        ])
        // A later joiner sees the new availability.
        let join = t.join(rosaline, nick: "Rosaline")
        #expect(join.to(rosaline)[1].childText("show", namespace: NS.component) == "xa")
    }

    @Test func exitWithCustomStatus() {
        var t = roomWithTwo()
        let out = t.send("<presence type='unavailable' to='\(room)/Juliet'><status>bye</status></presence>", from: juliet)
        expectOnly(out, [
            romeo: ["<presence type='unavailable' from='\(room)/Juliet'><status>bye</status><x xmlns='http://jabber.org/protocol/muc#user'>\(X.item("none", "none", jid: juliet))</x></presence>"],
            juliet: ["<presence type='unavailable' from='\(room)/Juliet'><status>bye</status><x xmlns='http://jabber.org/protocol/muc#user'>\(X.item("none", "none", jid: juliet))\(X.status(110))</x></presence>"],
        ])
    }

    @Test func temporaryRoomIsDestroyedWhenTheLastOccupantLeaves() {
        var t = roomWithTwo()
        t.send("<presence type='unavailable' to='\(room)/Juliet'/>", from: juliet)
        #expect(t.service.roomCount == 1)
        let out = t.send("<presence type='unavailable' to='\(room)/Romeo'/>", from: romeo)
        #expect(out.persisted.isEmpty && out.deleted.isEmpty)
        #expect(t.service.roomCount == 0)
        // Joining again creates a new room.
        expectStanzas(t.join(juliet, nick: "Juliet"), to: juliet, [
            X.presence("Juliet", X.status(201) + X.item("owner", "moderator", jid: juliet) + X.status(110)), X.emptySubject,
        ])
    }

    @Test func persistentRoomSurvivesBeingEmpty() {
        var t = roomWithTwo()
        t.submitConfig(romeo, field("persistentroom", "1"))
        t.send("<presence type='unavailable' to='\(room)/Juliet'/>", from: juliet)
        t.send("<presence type='unavailable' to='\(room)/Romeo'/>", from: romeo)
        #expect(t.service.roomCount == 1)
        // Not locked: anyone may enter; the owner is still the owner.
        expectStanzas(t.join(juliet, nick: "Juliet"), to: juliet, [X.presence("Juliet", X.item("none", "participant", jid: juliet) + X.status(110)), X.emptySubject])
        expectStanzas(t.join(romeo, nick: "Romeo"), to: romeo, [
            X.presence("Juliet", X.item("none", "participant", jid: juliet)),
            X.presence("Romeo", X.item("owner", "moderator", jid: romeo) + X.status(110)), X.emptySubject,
        ])
    }

    @Test func nickChange() {
        var t = roomWithTwo()
        let out = t.send("<presence id='n' to='\(room)/Jules'/>", from: juliet)
        expectOnly(out, [
            romeo: [X.presence("Juliet", type: "unavailable", X.status(303) + X.item("none", "participant", jid: juliet, nick: "Jules")),
                    X.presence("Jules", X.item("none", "participant", jid: juliet))],
            juliet: [X.presence("Juliet", type: "unavailable", X.status(303) + X.item("none", "participant", jid: juliet, nick: "Jules") + X.status(110)),
                     X.presence("Jules", X.item("none", "participant", jid: juliet) + X.status(110))],
        ])
        // Messages now come from the new nick.
        let m = t.send("<message type='groupchat' to='\(room)'><body>x</body></message>", from: juliet)
        #expect(m.to(romeo).first?.attribute("from") == "\(room)/Jules")
        // The old nick is free.
        #expect(t.join(rosaline, nick: "Juliet").to(rosaline).count == 5)  // roster (2), self, history (1), subject
    }

    /// §17.3 rule 3: a join presence (with the MUC element) to a new nick changes the nick and
    /// resynchronises that session: roster, new self-presence, then history and subject.
    @Test func nickChangeWithAJoinPresenceResynchronises() {
        var t = roomWithTwo()
        let out = t.send("<presence to='\(room)/Jules'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>", from: juliet)
        expectOnly(out, [
            romeo: [X.presence("Juliet", type: "unavailable", X.status(303) + X.item("none", "participant", jid: juliet, nick: "Jules")),
                    X.presence("Jules", X.item("none", "participant", jid: juliet))],
            juliet: [X.presence("Juliet", type: "unavailable", X.status(303) + X.item("none", "participant", jid: juliet, nick: "Jules") + X.status(110)),
                     X.presence("Romeo", X.item("owner", "moderator")),
                     X.presence("Jules", X.item("none", "participant", jid: juliet) + X.status(110)),
                     X.emptySubject],
        ])
    }

    @Test func nickChangeConflicts() {
        var t = roomWithTwo()
        expectError(t.send("<presence to='\(room)/Romeo'/>", from: juliet), to: juliet, type: "cancel", condition: "conflict", from: "\(room)/Romeo")
        t.admin(romeo, "<item affiliation='member' jid='\(People.rosalineBare)' nick='Rosa'/>")
        expectError(t.send("<presence to='\(room)/Rosa'/>", from: juliet), to: juliet, type: "cancel", condition: "conflict")
        expectError(t.send("<presence to='\(room)/ '/>", from: juliet), to: juliet, type: "modify", condition: "jid-malformed")
        // Her own reserved nick is fine.
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)' nick='Jules'/>")
        #expect(t.send("<presence to='\(room)/Jules'/>", from: juliet).to(juliet).count == 2)
    }

    @Test func rolesOutsidePresenceBroadcastAreNotAnnounced() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("moderatedroom", "1") + field("presencebroadcast", "moderator", "participant"))
        // Juliet enters as a visitor: only she learns of it.
        let out = t.join(juliet, nick: "Juliet")
        #expect(out.to(romeo).isEmpty)
        #expect(out.to(juliet).count == 3)
        // Rosaline, also a visitor, does not see Juliet (a visitor) but sees Romeo.
        let r = t.join(rosaline, nick: "Rosaline")
        expectOnly(r, [rosaline: [X.presence("Romeo", X.item("owner", "moderator")),
                                  X.presence("Rosaline", X.item("none", "visitor", jid: rosaline) + X.status(110)), X.emptySubject]])
        // Given voice, Juliet appears to everyone.
        let voice = t.admin(romeo, "<item nick='Juliet' role='participant'/>")
        expectStanzas(voice, to: rosaline, [X.presence("Juliet", X.item("none", "participant", X.actor(nick: "Romeo")))])
        // Voice revoked: she disappears from their view.
        let revoke = t.admin(romeo, "<item nick='Juliet' role='visitor'/>")
        expectStanzas(revoke, to: rosaline, [X.presence("Juliet", type: "unavailable", X.item("none", "visitor", X.actor(nick: "Romeo")))])
        // A visitor leaving is not announced to others.
        let leave = t.send("<presence type='unavailable' to='\(room)/Rosaline'/>", from: rosaline)
        #expect(leave.recipients == [rosaline])
    }
}
