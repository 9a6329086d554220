import Testing
import XMPPCore
@testable import MUC

/// §10.1: creating, locking, configuring and cancelling a new room.
@Suite struct CreationTests {
    let romeo = People.romeo, juliet = People.juliet, room = People.room

    @Test func lockedRoomRefusesOthersUntilConfigured() {
        var t = Transcript()
        t.join(romeo, nick: "Romeo")
        expectError(t.join(juliet, nick: "Juliet"), to: juliet, type: "cancel", condition: "item-not-found", from: "\(room)/Juliet")
        #expect(errorOf(t.send("<iq type='get' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: juliet))! == ("cancel", "item-not-found"))
        expectError(t.send("<message type='groupchat' to='\(room)'><body>x</body></message>", from: juliet),
                    to: juliet, kind: "message", type: "cancel", condition: "item-not-found")
        // The owner may look at it.
        let info = t.send("<iq type='get' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: romeo)
        #expect(info.to(romeo).first?.attribute("type") == "result")
        // An instant room: an empty submit unlocks it.
        let out = t.submitConfig(romeo, "")
        expectOnly(out, [romeo: [X.result("cfg")]])
        #expect(t.join(juliet, nick: "Juliet").to(juliet).count == 3)
    }

    @Test func ownerGetsTheConfigurationFormWithEveryStandardField() throws {
        var t = Transcript(MUCSettings(domain: "conference.localhost", maxOccupantsLimit: 50))
        t.join(romeo, nick: "Romeo")
        let out = t.send("<iq type='get' id='f' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>", from: romeo)
        let iq = try #require(out.to(romeo).first)
        #expect(iq.attribute("type") == "result")
        let x = try #require(iq.child("query", namespace: NS.mucOwner)?.child("x", namespace: NS.dataForms))
        let form = try #require(DataForm(element: x))
        #expect(form.type == .form)
        #expect(form.fields.first?.variable == "FORM_TYPE")
        #expect(form.formType == NS.mucRoomConfig)
        let vars = form.fields.compactMap(\.variable)
        for v in ["roomname", "roomdesc", "lang", "persistentroom", "publicroom", "membersonly", "moderatedroom",
                  "passwordprotectedroom", "roomsecret", "whois", "presencebroadcast", "allowinvites", "allowpm",
                  "changesubject", "maxusers", "historylength", "getmemberlist", "enablelogging", "roomadmins", "roomowners"] {
            #expect(vars.contains("muc#roomconfig_" + v), "missing \(v)")
        }
        #expect(form["muc#roomconfig_whois"]?.value == "moderators")
        #expect(form["muc#roomconfig_publicroom"]?.value == "1")
        #expect(form["muc#roomconfig_persistentroom"]?.value == "0")
        #expect(form["muc#roomconfig_roomsecret"]?.type == .textPrivate)
        #expect(form["muc#roomconfig_roomowners"]?.values == [People.romeoBare])
        #expect(form["muc#roomconfig_maxusers"]?.value == "50")
        // The limit bounds the offered values; 'none' is not offered when there is a limit.
        #expect(form["muc#roomconfig_maxusers"]?.options.map(\.value) == ["10", "20", "30", "50"])
        #expect(form["muc#roomconfig_presencebroadcast"]?.values == ["moderator", "participant", "visitor"])
    }

    @Test func cancellingTheInitialConfigurationDestroysTheRoom() {
        var t = Transcript()
        t.join(romeo, nick: "Romeo")
        let out = t.send("<iq type='set' id='c' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='cancel'/></query></iq>", from: romeo)
        expectOnly(out, [romeo: [X.presence("Romeo", type: "unavailable", "<destroy/>" + X.item("owner", "none", jid: romeo) + X.status(110)), X.result("c")]])
        #expect(t.service.roomCount == 0)
    }

    @Test func cancellingALaterConfigurationChangesNothing() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        let out = t.send("<iq type='set' id='c' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='cancel'/></query></iq>", from: romeo)
        expectOnly(out, [romeo: [X.result("c")]])
        #expect(t.service.roomCount == 1)
    }

    @Test func creatorLeavingALockedRoomDestroysIt() throws {
        var t = Transcript(MUCSettings(domain: "conference.localhost", defaultRoomConfig: RoomConfig(persistent: true)))
        t.join(romeo, nick: "Romeo")
        let out = t.send("<presence type='unavailable' to='\(room)/Romeo'/>", from: romeo)
        #expect(out.persisted.isEmpty && out.deleted.isEmpty)
        #expect(t.service.roomCount == 0)
    }

    @Test func defaultConfigurationComesFromTheSettings() throws {
        var t = Transcript(MUCSettings(domain: "conference.localhost",
                                       defaultRoomConfig: RoomConfig(name: "Default", whois: .anyone, maxUsers: 2)))
        // Non-anonymous by default: creation self-presence is 201, item, 100, 110.
        let out = t.join(romeo, nick: "Romeo")
        expectStanzas(out, to: romeo, [X.presence("Romeo", X.status(201) + X.item("owner", "moderator", jid: romeo) + X.status(100, 110)), X.emptySubject])
        t.submitConfig(romeo, "")
        let record = try #require(t.service.record(of: try BareJID(room)))
        #expect(record.config.name == "Default" && record.config.maxUsers == 2)
    }
}
