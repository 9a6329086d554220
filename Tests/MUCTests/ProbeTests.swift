import Testing
import XMPPCore
@testable import MUC

/// §17.3 rule 4: presence probes to occupant JIDs and to the room.
@Suite struct ProbeTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    @Test func occupantsGetTheCurrentPresenceOthersNotAcceptable() {
        var t = Transcript.romeoAndJuliet()
        t.send("<presence to='\(room)/Romeo'><show>away</show></presence>", from: romeo)
        // Juliet probes Romeo: his current presence, without his JID (semi-anonymous room).
        let probe = t.send("<presence type='probe' to='\(room)/Romeo'/>", from: juliet)
        expectOnly(probe, [juliet: ["""
            <presence from='\(room)/Romeo'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'>\(X.item("owner", "moderator"))</x>\
            \(occupantIDElement(t.occupantID(People.romeoBare)))</presence>
            """]])
        #expect(probe.deliveries[0].stanza.attribute("type") == nil)
        // Romeo, a moderator, sees Juliet's JID.
        expectOnly(t.send("<presence type='probe' to='\(room)/Juliet'/>", from: romeo),
                   [romeo: [X.presence("Juliet", X.item("none", "participant", jid: juliet))]])
        // Her own occupant JID, or the room: her self-presence.
        let own = X.presence("Juliet", X.item("none", "participant", jid: juliet) + X.status(110))
        expectOnly(t.send("<presence type='probe' to='\(room)/Juliet'/>", from: juliet), [juliet: [own]])
        expectOnly(t.send("<presence type='probe' to='\(room)'/>", from: juliet), [juliet: [own]])
        // A nick nobody uses: unavailable.
        expectOnly(t.send("<presence type='probe' to='\(room)/Nobody'/>", from: juliet),
                   [juliet: [X.presence("Nobody", type: "unavailable", X.item("none", "none"))]])
        // A non-occupant: not-acceptable (cancel), from the room.
        expectError(t.send("<presence type='probe' to='\(room)/Romeo'/>", from: rosaline), to: rosaline, type: "cancel", condition: "not-acceptable")
        #expect(t.send("<presence type='probe' to='\(room)/Romeo'/>", from: rosaline).deliveries[0].stanza
                    .child("error", namespace: NS.component)?.attribute("by") == room)
    }

    @Test func occupantsWhosePresenceIsNotBroadcastLookAbsent() {
        var t = Transcript.romeoAndJuliet(config: field("moderatedroom", "1") + field("presencebroadcast", "moderator", "participant"))
        t.join(rosaline, nick: "Rosaline")  // a visitor: not broadcast
        expectOnly(t.send("<presence type='probe' to='\(room)/Rosaline'/>", from: juliet),
                   [juliet: [X.presence("Rosaline", type: "unavailable", X.item("none", "none"))]])
    }
}
