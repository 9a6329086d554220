import Testing
import XMPPCore
@testable import MUC

/// §10.2 configuration, §10.2.1 notifications, §10.9 destruction, storage actions.
@Suite struct OwnerConfigTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    func room2() -> Transcript {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        return t
    }

    @Test func onlyOwnersConfigure() {
        var t = room2()
        t.admin(romeo, "<item affiliation='admin' jid='\(People.julietBare)'/>")
        let get = t.send("<iq type='get' id='f' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>", from: juliet)
        #expect(errorOf(get)! == ("auth", "forbidden"))
        #expect(errorOf(t.submitConfig(juliet, field("roomname", "Mine")))! == ("auth", "forbidden"))
        #expect(errorOf(t.send("<iq type='set' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>", from: juliet))! == ("auth", "forbidden"))
    }

    @Test func wrongFormTypeIsABadRequest() {
        var t = room2()
        let out = t.send("""
            <iq type='set' id='f' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>\
            <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field>\(field("roomname", "x"))</x></query></iq>
            """, from: romeo)
        #expect(errorOf(out)! == ("modify", "bad-request"))
        #expect(errorOf(t.send("<iq type='set' id='f' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'/></query></iq>", from: romeo))! == ("modify", "bad-request"))
        #expect(errorOf(t.send("<iq type='set' id='f' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>", from: romeo))! == ("modify", "bad-request"))
    }

    @Test(arguments: [
        field("persistentroom", "yes"),
        field("membersonly", "1", "0"),
        field("maxusers", "many"),
        field("maxusers", "-3"),
        field("maxusers", "500"),
        field("whois", "none"),
        field("allowpm", "everybody"),
        field("historylength", "1000"),
        field("historylength", "x"),
        field("muc#maxhistoryfetch", "-1"),
        field("presencebroadcast", "moderator", "king"),
        field("getmemberlist", "none"),
        field("enablelogging", "1"),
        field("roomowners", "@bad"),
        field("roomowners"),
        field("roomowners", People.julietBare) + field("roomadmins", People.julietBare),
        field("passwordprotectedroom", "1"),
    ])
    func badValuesAreNotAcceptable(_ fields: String) throws {
        var t = Transcript(MUCSettings(domain: "conference.localhost", maxOccupantsLimit: 100, maxHistoryLimit: 50))
        t.createInstantRoom(romeo, nick: "Romeo")
        let before = t.service.record(of: try BareJID(room))
        let out = t.submitConfig(romeo, field("roomname", "Changed") + fields)
        #expect(errorOf(out)! == ("modify", "not-acceptable"))
        // Nothing of the submission was applied.
        #expect(t.service.record(of: try BareJID(room)) == before)
    }

    @Test func changesAreNotifiedAfterTheResult() {
        var t = room2()
        let out = t.submitConfig(romeo, field("roomname", "Balcony"), id: "c1")
        expectOnly(out, [romeo: [X.result("c1"), X.statusMessage(104)], juliet: [X.statusMessage(104)]])
        // Nothing changed: no notification.
        expectOnly(t.submitConfig(romeo, field("roomname", "Balcony"), id: "c2"), [romeo: [X.result("c2")]])
        // Anonymity: 172 alone, then 173 (with 104 when something else changed too).
        expectOnly(t.submitConfig(romeo, field("whois", "anyone"), id: "c3"), [romeo: [X.result("c3"), X.statusMessage(172)], juliet: [X.statusMessage(172)]])
        expectOnly(t.submitConfig(romeo, field("whois", "moderators") + field("roomdesc", "d"), id: "c4"),
                   [romeo: [X.result("c4"), X.statusMessage(104, 173)], juliet: [X.statusMessage(104, 173)]])
    }

    @Test func becomingMembersOnlyRemovesNonMembers() {
        var t = room2()
        t.join(rosaline, nick: "Rosaline")
        t.admin(romeo, "<item affiliation='member' jid='\(People.rosalineBare)'/>")
        let out = t.submitConfig(romeo, field("membersonly", "1"), id: "mo")
        expectOnly(out, [
            romeo: [X.presence("Juliet", type: "unavailable", X.status(322) + X.item("none", "none", jid: juliet)), X.result("mo"), X.statusMessage(104)],
            rosaline: [X.presence("Juliet", type: "unavailable", X.status(322) + X.item("none", "none")), X.statusMessage(104)],
            juliet: [X.presence("Juliet", type: "unavailable", X.status(322) + X.item("none", "none", jid: juliet) + X.status(110))],
        ])
    }

    @Test func passwordSetChangeAndClear() throws {
        var t = room2()
        func password() -> String { t.service.record(of: try! BareJID(room))!.config.password }
        t.submitConfig(romeo, field("roomsecret", "a"))
        #expect(password() == "a")
        // Changing the secret while the flag is unchanged.
        t.submitConfig(romeo, field("passwordprotectedroom", "1") + field("roomsecret", "b"))
        #expect(password() == "b")
        // Unticking the flag clears it, even with the old secret left in the form.
        t.submitConfig(romeo, field("passwordprotectedroom", "0") + field("roomsecret", "b"))
        #expect(password() == "")
        // Typing a secret without ticking the (unchanged, off) flag protects the room.
        t.submitConfig(romeo, field("passwordprotectedroom", "0") + field("roomsecret", "c"))
        #expect(password() == "c")
        // Ticking it with a secret.
        t.submitConfig(romeo, field("roomsecret", ""))
        t.submitConfig(romeo, field("passwordprotectedroom", "1") + field("roomsecret", "d"))
        #expect(password() == "d")
    }

    @Test func passwordIsVisibleToOwnersOnly() throws {
        var t = room2()
        t.submitConfig(romeo, field("roomsecret", "cauldronburn"))
        let info = t.send("<iq type='get' id='i' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: juliet)
        let text = Serializer.string(try #require(info.to(juliet).first))
        #expect(!text.contains("cauldronburn"))
        #expect(text.contains("muc_passwordprotected"))
        let form = t.send("<iq type='get' id='f' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>", from: romeo)
        #expect(Serializer.string(try #require(form.to(romeo).first)).contains("cauldronburn"))
    }

    @Test func persistentRoomsAreStoredBeforeTheResult() throws {
        var t = room2()
        let out = t.submitConfig(romeo, field("persistentroom", "1"), id: "p")
        // The store action comes first; the result and the notification only after it is stored.
        guard case .storeRoom(let record, let changes)? = out.actions.first, out.actions.count == 3 else {
            Issue.record("expected a store action then two stanzas, got \(out.actions)")
            return
        }
        #expect(record.config.persistent)
        #expect(record.affiliations == [AffiliationRecord(jid: try BareJID(People.romeoBare), affiliation: .owner)])
        #expect(changes == .everything, "a room stored for the first time is written whole")
        // An affiliation change is stored too, writing that affiliation only; a join is not.
        let member = t.admin(romeo, "<item affiliation='member' jid='a@b'/>")
        #expect(member.persisted.count == 1)
        #expect(member.changes == [RoomChanges(affiliations: [try BareJID("a@b")])])
        #expect(t.join(rosaline, nick: "Rosaline").persisted.isEmpty)
        // A subject change is stored.
        let subject = t.send("<message type='groupchat' to='\(room)'><subject>Plans</subject></message>", from: romeo)
        #expect(subject.persisted.first?.subject == "Plans")
        #expect(subject.changes == [RoomChanges(affiliations: [])], "a subject change writes no affiliation row")
        // Made temporary again: removed from storage.
        let back = t.submitConfig(romeo, field("persistentroom", "0"), id: "t")
        guard case .deleteRoom(let jid)? = back.actions.first else { Issue.record("expected deleteRoom"); return }
        #expect(jid.description == room)
        #expect(back.actions.count == 3)
    }

    @Test func temporaryRoomsAreNeverStored() {
        var t = room2()
        #expect(t.submitConfig(romeo, field("roomname", "x")).persisted.isEmpty)
        #expect(t.admin(romeo, "<item affiliation='member' jid='a@b'/>").persisted.isEmpty)
    }

    @Test func destroyWithReasonAndVenue() {
        var t = room2()
        t.submitConfig(romeo, field("persistentroom", "1"))
        let out = t.send("""
            <iq type='set' id='begone' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'>\
            <destroy jid='coven@conference.localhost'><reason>Macbeth doth come.</reason></destroy></query></iq>
            """, from: romeo)
        #expect(out.deleted.map(\.description) == [room])
        let destroy = "<destroy jid='coven@conference.localhost'><reason>Macbeth doth come.</reason></destroy>"
        expectOnly(out, [
            romeo: [X.presence("Romeo", type: "unavailable", destroy + X.item("owner", "none", jid: romeo) + X.status(110)), X.result("begone")],
            juliet: [X.presence("Juliet", type: "unavailable", destroy + X.item("none", "none", jid: juliet) + X.status(110))],
        ])
        #expect(t.service.roomCount == 0)
    }

    @Test func ownerAndAdminListsInTheForm() throws {
        var t = room2()
        let out = t.submitConfig(romeo, field("roomowners", People.romeoBare, People.julietBare) + field("roomadmins", People.rosalineBare), id: "l")
        // Juliet is now an owner (and a moderator: she gets the roster again, with JIDs); the new admin,
        // not in the room, is announced.
        expectStanzas(out, to: juliet, [X.presence("Juliet", X.item("owner", "moderator", jid: juliet, X.actor(nick: "Romeo")) + X.status(110)),
                                        X.presence("Romeo", X.item("owner", "moderator", jid: romeo)),
                                        X.affiliationMessage(People.rosalineBare, "admin")])
        let record = try #require(t.service.record(of: try BareJID(room)))
        #expect(record.affiliations.map { "\($0.jid) \($0.affiliation)" } == [
            "\(People.romeoBare) owner", "\(People.julietBare) owner", "\(People.rosalineBare) admin",
        ].sorted())
        // Dropping Romeo from the owner list demotes him to none.
        t.submitConfig(romeo, field("roomowners", People.julietBare))
        #expect(t.service.record(of: try BareJID(room))!.affiliations.first { $0.jid.description == People.romeoBare } == nil)
    }
}
