import Testing
import XMPPCore
@testable import MUC

/// The service's conversation with its store, driven without sockets: a store that succeeds,
/// fails or stalls on command (played by `Transcript`). A failed write leaves the room exactly as
/// it was and answers the requester once; a room waiting for the store holds only its own stanzas.
@Suite struct StorageConversationTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room
    static let storageError = ("wait", "internal-server-error")

    /// A stored room with Romeo (owner) and Juliet in it.
    func storedRoom() -> Transcript {
        let t = Transcript.romeoAndJuliet(config: field("persistentroom", "1"))
        #expect(t.stored[try! BareJID(room)] != nil)
        return t
    }

    /// The record of the room as the service holds it in memory.
    func memory(_ t: Transcript) -> RoomRecord? { t.service.record(of: try! BareJID(room)) }

    // MARK: Failed writes

    @Test func aFailedConfigurationChangeLeavesTheRoomAsItWas() {
        var t = storedRoom()
        let before = memory(t)
        t.failWrites = 1
        let out = t.submitConfig(romeo, field("roomname", "Renamed") + field("membersonly", "1"))
        #expect(out.persisted.count == 1, "the change was offered to the store")
        expectOnly(out, [romeo: ["""
            <iq type='error' id='cfg'><error type='wait'><internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>
            """]])
        #expect(memory(t) == before)
        // Juliet (not a member) was not removed, and a new occupant still gets in.
        #expect(t.join(rosaline, nick: "Rosaline").to(rosaline).contains { $0.name == "presence" && $0.attribute("type") == nil })
    }

    @Test func aFailedAffiliationChangeLeavesTheRoomAsItWas() {
        var t = storedRoom()
        let before = memory(t)
        t.failWrites = 1
        let out = t.admin(romeo, "<item affiliation='outcast' jid='\(People.julietBare)'/>")
        #expect(errorOf(out)! == Self.storageError)
        #expect(out.to(juliet).isEmpty, "Juliet was not told she was banned")
        #expect(memory(t) == before)
        // She is still in the room: a message of hers reaches Romeo.
        #expect(t.send("<message type='groupchat' to='\(room)'><body>still here</body></message>", from: juliet).to(romeo).count == 1)
    }

    @Test func aFailedSubjectChangeLeavesTheSubjectAsItWas() {
        var t = storedRoom()
        t.send("<message type='groupchat' to='\(room)'><subject>Old</subject></message>", from: romeo)
        t.failWrites = 1
        let out = t.send("<message type='groupchat' to='\(room)' id='s'><subject>New</subject></message>", from: romeo)
        expectOnly(out, [romeo: ["""
            <message type='error' id='s'><error type='wait'><internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>
            """]])
        #expect(memory(t)?.subject == "Old")
        let joined = t.join(rosaline, nick: "Rosaline")
        #expect(joined.to(rosaline).last?.childText("subject", namespace: NS.component) == "Old")
    }

    @Test func aFailedInvitationGrantsNoMembershipAndSendsNoInvitation() {
        var t = storedRoom()
        t.submitConfig(romeo, field("membersonly", "1"))
        let before = memory(t)
        t.failWrites = 1
        let out = t.send("<message to='\(room)' id='inv'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='\(People.rosalineBare)'/></x></message>", from: romeo)
        #expect(errorOf(out)! == Self.storageError)
        #expect(out.to(People.rosalineBare).isEmpty)
        #expect(memory(t) == before)
        expectError(t.join(rosaline, nick: "Rosaline"), to: rosaline, type: "auth", condition: "registration-required")
    }

    @Test func aFailedDestructionLeavesTheRoomAndItsOccupants() {
        var t = storedRoom()
        t.failWrites = 1
        let out = t.send("<iq type='set' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>", from: romeo)
        #expect(out.deleted.count == 1)
        #expect(errorOf(out)! == Self.storageError)
        #expect(t.service.hasRoom(try! BareJID(room)))
        #expect(t.stored[try! BareJID(room)] != nil)
        #expect(t.send("<message type='groupchat' to='\(room)'><body>hi</body></message>", from: juliet).to(romeo).count == 1)
        // Tried again, it works: each occupant gets one unavailable presence, then Romeo the result.
        let again = t.send("<iq type='set' id='d2' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>", from: romeo)
        #expect(again.to(juliet).count == 1)
        #expect(again.to(romeo).last?.attribute("type") == "result")
        #expect(!t.service.hasRoom(try! BareJID(room)))
    }

    @Test func aFailedChangeIsAnsweredExactlyOnce() {
        var t = storedRoom()
        t.answering = false
        t.admin(romeo, "<item affiliation='member' jid='x@localhost'/>", id: "m")
        let failed = t.answer(fail: true)
        #expect(failed.deliveries.count == 1)
        #expect(failed.to(romeo).first?.attribute("id") == "m")
        #expect(t.pending.isEmpty, "nothing retried behind the requester's back")
    }

    // MARK: Holds

    @Test func aStalledStoreForOneRoomDoesNotDelayAnother() {
        var t = storedRoom()
        t.createInstantRoom(rosaline, nick: "Rosaline", room: "other@conference.localhost")
        t.join(juliet, nick: "Juliet", room: "other@conference.localhost")
        t.answering = false
        // Romeo's change of room A waits for the store; so does what follows it in room A.
        let change = t.submitConfig(romeo, field("roomname", "Renamed"))
        #expect(change.deliveries.isEmpty && t.pending.count == 1)
        let heldMessage = t.send("<message type='groupchat' to='\(room)'><body>in A</body></message>", from: juliet)
        #expect(heldMessage.deliveries.isEmpty)
        #expect(t.service.heldStanzaCount == 1)
        // Room B goes on.
        let other = t.send("<message type='groupchat' to='other@conference.localhost'><body>in B</body></message>", from: juliet)
        #expect(other.to(rosaline).count == 1)
        // The store answers: the result and 104, then the held message, in that order.
        let released = t.answer()
        let result = released.index(of: romeo, matching: "<iq type='result' id='cfg'/>")
        let message = released.index(of: romeo, matching: "<message type='groupchat'><body>in A</body></message>")
        #expect(result != nil && message != nil && result! < message!)
        #expect(t.service.heldStanzaCount == 0)
    }

    @Test func aHeldStanzaThatChangesTheRoomWaitsForItsOwnWrite() {
        var t = storedRoom()
        t.answering = false
        t.submitConfig(romeo, field("roomname", "One"), id: "c1")
        t.submitConfig(romeo, field("roomname", "Two"), id: "c2")
        t.send("<message type='groupchat' to='\(room)'><body>after</body></message>", from: juliet)
        #expect(t.pending.count == 1, "the second change waits behind the first")
        let first = t.answer()
        #expect(first.to(romeo).contains { $0.attribute("id") == "c1" })
        #expect(!first.to(romeo).contains { $0.attribute("id") == "c2" })
        #expect(first.persisted.map(\.config.name) == ["Two"])
        #expect(first.to(juliet).allSatisfy { $0.childText("body", namespace: NS.component) != "after" })
        let second = t.answer()
        #expect(second.to(romeo).contains { $0.attribute("id") == "c2" })
        #expect(second.to(romeo).contains { $0.childText("body", namespace: NS.component) == "after" })
    }

    @Test func aRoomRefusesStanzasBeyondItsHoldLimit() {
        var t = storedRoom()
        t.answering = false
        t.submitConfig(romeo, field("roomname", "Renamed"))
        for i in 0..<RoomHold.limit {
            t.send("<message type='groupchat' to='\(room)' id='m\(i)'><body>\(i)</body></message>", from: juliet)
        }
        let refused = t.send("<message type='groupchat' to='\(room)' id='over'><body>x</body></message>", from: juliet)
        #expect(errorOf(refused)! == ("wait", "resource-constraint"))
        #expect(t.service.heldStanzaCount == RoomHold.limit)
        // Leaving is never refused: the occupant would stay as a ghost.
        let leave = t.send("<presence type='unavailable' to='\(room)/Juliet'/>", from: juliet)
        #expect(leave.deliveries.isEmpty)
        let released = t.answer()
        #expect(released.to(romeo).filter { $0.name == "message" && $0.attribute("type") == "groupchat" }.count == RoomHold.limit + 1)
        #expect(released.to(romeo).last?.attribute("type") == "unavailable")
    }

    // MARK: Loading

    @Test func aStoredRoomIsLoadedOnFirstUseAndStanzasWaitForIt() throws {
        var t = Transcript()
        var config = RoomConfig()
        config.persistent = true
        config.name = "Stored"
        let jid = try BareJID(room)
        t.stored[jid] = RoomRecord(jid: jid, config: config, affiliations: [AffiliationRecord(jid: try BareJID(People.romeoBare), affiliation: .owner)])
        t.answering = false
        let join = t.join(romeo, nick: "Romeo")
        #expect(join.loaded == [jid] && join.deliveries.isEmpty)
        let info = t.send("<iq type='get' id='i' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: juliet)
        #expect(info.loaded.isEmpty && info.deliveries.isEmpty, "one load for the room, the second stanza waits")
        let loaded = t.answer()
        #expect(loaded.to(romeo).contains { $0.name == "presence" })
        #expect(loaded.to(juliet).first.map { Serializer.string($0).contains("Stored") } == true)
    }

    @Test func aFailedLoadRefusesWhatWaitedAndTheNextStanzaTriesAgain() throws {
        var t = Transcript()
        t.failLoads = 1
        let out = t.join(romeo, nick: "Romeo")
        #expect(out.loaded.count == 1)
        expectError(out, to: romeo, type: "wait", condition: "internal-server-error", from: "\(room)/Romeo")
        #expect(!t.service.hasRoom(try BareJID(room)))
        let again = t.join(romeo, nick: "Romeo")
        #expect(again.loaded.count == 1)
        #expect(again.to(romeo).contains { $0.name == "presence" && $0.attribute("type") == nil })
    }

    @Test func aRoomTheStoreDoesNotHaveIsLookedUpOnce() {
        var t = Transcript()
        let first = t.send("<iq type='get' id='1' to='nowhere@conference.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: romeo)
        #expect(first.loaded.count == 1)
        #expect(errorOf(first)! == ("cancel", "item-not-found"))
        let second = t.send("<iq type='get' id='2' to='nowhere@conference.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: romeo)
        #expect(second.loaded.isEmpty)
        #expect(errorOf(second)! == ("cancel", "item-not-found"))
    }

    @Test func aDestroyedStoredRoomIsNotLookedUpAgain() {
        var t = storedRoom()
        t.send("<iq type='set' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>", from: romeo)
        let after = t.send("<iq type='get' id='i' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: romeo)
        #expect(after.loaded.isEmpty)
        #expect(errorOf(after)! == ("cancel", "item-not-found"))
    }

    // MARK: Service disco#items

    @Test func theRoomListMergesStoredAndInMemoryRoomsInPages() throws {
        var t = Transcript()
        for name in ["a", "c", "e"] {
            let jid = try BareJID("\(name)@conference.localhost")
            var config = RoomConfig()
            config.persistent = true
            config.name = name.uppercased()
            t.stored[jid] = RoomRecord(jid: jid, config: config)
        }
        t.createInstantRoom(romeo, nick: "Romeo", room: "b@conference.localhost")
        t.createInstantRoom(romeo, nick: "Romeo", room: "d@conference.localhost")
        let page = t.send("""
            <iq type='get' id='p' to='conference.localhost'><query xmlns='http://jabber.org/protocol/disco#items'>
            <set xmlns='http://jabber.org/protocol/rsm'><max>3</max></set></query></iq>
            """, from: juliet)
        let items = page.to(juliet).first?.child("query", namespace: NS.discoItems)?.children("item", namespace: NS.discoItems)
        #expect(items?.map { $0.attribute("jid") ?? "" } == ["a@conference.localhost", "b@conference.localhost", "c@conference.localhost"])
        let next = t.send("""
            <iq type='get' id='q' to='conference.localhost'><query xmlns='http://jabber.org/protocol/disco#items'>
            <set xmlns='http://jabber.org/protocol/rsm'><max>3</max><after>c@conference.localhost</after></set></query></iq>
            """, from: juliet)
        let rest = next.to(juliet).first?.child("query", namespace: NS.discoItems)?.children("item", namespace: NS.discoItems)
        #expect(rest?.map { $0.attribute("jid") ?? "" } == ["d@conference.localhost", "e@conference.localhost"])
    }

    @Test func theRoomListWithoutAStoreIsTheSamePaging() {
        var t = Transcript(store: false)
        for name in ["a", "b", "c"] { t.createInstantRoom(romeo, nick: "Romeo", room: "\(name)@conference.localhost") }
        let page = t.send("""
            <iq type='get' id='p' to='conference.localhost'><query xmlns='http://jabber.org/protocol/disco#items'>
            <set xmlns='http://jabber.org/protocol/rsm'><max>2</max></set></query></iq>
            """, from: juliet)
        let query = page.to(juliet).first?.child("query", namespace: NS.discoItems)
        #expect(query?.children("item", namespace: NS.discoItems).count == 2)
        #expect(query?.child("set", namespace: NS.rsm)?.childText("last", namespace: NS.rsm) == "b@conference.localhost")
    }

    @Test func aFailedListingIsRefused() {
        var t = Transcript()
        t.answering = false
        t.send("<iq type='get' id='p' to='conference.localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>", from: juliet)
        let out = t.answer(fail: true)
        #expect(errorOf(out)! == Self.storageError)
    }

    // MARK: What a write contains

    @Test func aSubjectChangeInALargeRoomWritesNoAffiliationRows() {
        var t = storedRoom()
        var items = ""
        for i in 0..<200 { items += "<item affiliation='member' jid='m\(i)@localhost'/>" }
        let bulk = t.admin(romeo, items)
        #expect(bulk.changes.first?.affiliations?.count == 200)
        let subject = t.send("<message type='groupchat' to='\(room)'><subject>Hello</subject></message>", from: romeo)
        #expect(subject.changes == [RoomChanges(affiliations: [])])
        let one = t.admin(romeo, "<item affiliation='none' jid='m7@localhost'/>")
        #expect(one.changes == [RoomChanges(affiliations: [try! BareJID("m7@localhost")])])
    }
}
