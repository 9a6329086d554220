import Testing
import XMPPCore
@testable import MUC

/// XEP-0313 on room JIDs: what is archived, delivery after commit, queries and paging, access,
/// room option, moderation tombstones, lifecycle.
@Suite struct ArchiveTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room
    let roomJID = try! BareJID(People.room)

    /// Romeo (owner) and Juliet in a persistent room, with an archive.
    func archivedRoom(_ config: String = "", settings: MUCSettings = MUCSettings(domain: "conference.localhost")) -> Transcript {
        var t = Transcript(settings, archive: true)
        t.createInstantRoom(romeo, nick: "Romeo", config: field("persistentroom", "1") + config)
        t.join(juliet, nick: "Juliet")
        return t
    }

    func mam(_ id: String = "q", queryID: String? = "f28", form: String = "", rsm: String = "") -> String {
        let qid = queryID.map { " queryid='\($0)'" } ?? ""
        let x = form.isEmpty ? "" : """
            <x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>\(form)</x>
            """
        let set = rsm.isEmpty ? "" : "<set xmlns='http://jabber.org/protocol/rsm'>\(rsm)</set>"
        return "<iq type='set' id='\(id)' to='\(room)'><query xmlns='urn:xmpp:mam:2'\(qid)>\(x)\(set)</query></iq>"
    }

    /// The results and the fin of one query by `who`.
    func query(_ t: inout Transcript, _ who: String, form: String = "", rsm: String = "") -> (results: [Element], fin: Element?) {
        let got = t.send(mam(form: form, rsm: rsm), from: who).to(who)
        let results = got.filter { $0.name == "message" }
        let fin = got.last.flatMap { $0.name == "iq" && $0.attribute("type") == "result" ? $0.child("fin", namespace: "urn:xmpp:mam:2") : nil }
        return (results, fin)
    }

    func bodies(_ results: [Element]) -> [String] {
        results.compactMap { r in
            r.child("result", namespace: "urn:xmpp:mam:2")?.child("forwarded", namespace: "urn:xmpp:forward:0")?
                .child("message", namespace: NS.client)?.childText("body", namespace: NS.client)
        }
    }

    func resultIDs(_ results: [Element]) -> [String] {
        results.compactMap { $0.child("result", namespace: "urn:xmpp:mam:2")?.attribute("id") }
    }

    // MARK: Delivery after commit

    @Test func aMessageIsDeliveredOnlyOnceArchivedAndLaterOutputWaitsBehindIt() throws {
        var t = archivedRoom()
        t.answering = false
        let said = t.send("<message type='groupchat' to='\(room)' id='m1'><body>hello</body></message>", from: juliet)
        #expect(said.deliveries.isEmpty)
        let write = try #require(said.archiveWrites.first)
        // The archive id is the stanza id; the stored stanza is the reflection, without `to`.
        let stored = TestXML.parse(write.message.stanza)
        #expect(stored.attribute("to") == nil && stored.attribute("from") == "\(room)/Juliet")
        #expect(stored.child("stanza-id", namespace: NS.stanzaID)?.attribute("id") == write.message.id)
        #expect(write.message.nick == "Juliet" && write.message.sender.description == People.julietBare)
        // Juliet's status change comes after the message for everyone: it waits too.
        let status = t.send("<presence to='\(room)/Juliet'><show>away</show></presence>", from: juliet)
        #expect(status.deliveries.isEmpty)
        // Another room is not held up.
        t.answering = true
        t.join(rosaline, nick: "Rosaline", room: "other@conference.localhost")
        t.answering = false
        let released = t.answer()
        let toRomeo = released.to(romeo)
        #expect(toRomeo.count == 2)
        #expect(toRomeo.first?.childText("body", namespace: NS.component) == "hello")
        #expect(toRomeo.first?.child("stanza-id", namespace: NS.stanzaID)?.attribute("id") == write.message.id)
        #expect(toRomeo.last?.name == "presence")
        #expect(released.to(juliet).count == 2)
        #expect(t.archive[roomJID]?.map(\.id) == [write.message.id])
    }

    @Test func aFailedWriteRefusesTheMessageAndDeliversNothing() {
        var t = archivedRoom()
        t.failArchiveWrites = 1
        let out = t.send("<message type='groupchat' to='\(room)' id='m1'><body>lost</body></message>", from: juliet)
        expectError(out, to: juliet, kind: "message", type: "wait", condition: "internal-server-error")
        #expect(out.to(romeo).isEmpty)
        #expect(t.archive[roomJID] == nil)
        // It is not in the join history either.
        let joined = t.join(rosaline, nick: "Rosaline")
        #expect(joined.to(rosaline).allSatisfy { $0.childText("body", namespace: NS.component) == nil })
        // The next message goes through.
        t.say(juliet, "again")
        #expect(t.archive[roomJID]?.count == 1)
    }

    // MARK: What goes in

    @Test func whatIsArchivedAndWhatIsNot() {
        var t = archivedRoom()
        t.say(juliet, "a body")
        t.say(juliet, "not kept", extra: "<no-store xmlns='urn:xmpp:hints'/>")
        t.say(juliet, "not kept either", extra: "<no-permanent-store xmlns='urn:xmpp:hints'/>")
        // A subject change is not archived; a subject with a thread is a message.
        t.send("<message type='groupchat' to='\(room)'><subject>Topic</subject></message>", from: romeo)
        t.send("<message type='groupchat' to='\(room)'><subject>Re</subject><thread>t1</thread></message>", from: romeo)
        // A chat state alone is not; a reaction and anything with a store hint are.
        t.send("<message type='groupchat' to='\(room)'><active xmlns='http://jabber.org/protocol/chatstates'/></message>", from: juliet)
        t.send("<message type='groupchat' to='\(room)'><reactions xmlns='urn:xmpp:reactions:0' id='x'><reaction>👍</reaction></reactions></message>", from: romeo)
        t.send("<message type='groupchat' to='\(room)'><custom xmlns='urn:example'/><store xmlns='urn:xmpp:hints'/></message>", from: romeo)
        // A retraction by its author is kept.
        t.send("<message type='groupchat' to='\(room)'><retract xmlns='urn:xmpp:message-retract:1' id='x'/></message>", from: juliet)
        // Private messages and refused messages are not.
        t.send("<message type='chat' to='\(room)/Romeo'><body>psst</body></message>", from: juliet)
        t.send("<message type='groupchat' to='\(room)'><body>stranger</body></message>", from: rosaline)
        let kept = (t.archive[roomJID] ?? []).map { TestXML.parse($0.stanza) }
        #expect(kept.count == 5)
        #expect(kept[0].childText("body", namespace: NS.component) == "a body")
        #expect(kept[1].childText("thread", namespace: NS.component) == "t1")
        #expect(kept[2].child("reactions", namespace: "urn:xmpp:reactions:0") != nil)
        #expect(kept[3].child("custom", namespace: "urn:example") != nil)
        #expect(kept[4].child("retract", namespace: NS.retract) != nil)
    }

    @Test func temporaryRoomsAndRoomsThatTurnedItOffKeepNoArchive() {
        var t = Transcript(archive: true)
        t.createInstantRoom(romeo, nick: "Romeo")
        t.say(romeo, "temporary")
        #expect(t.archive.isEmpty)
        expectError(t.send(mam(), from: romeo), to: romeo, kind: "iq", type: "cancel", condition: "feature-not-implemented")

        var off = archivedRoom(field("enablearchiving", "0"))
        off.say(juliet, "unarchived")
        #expect(off.archive.isEmpty)
        // Conversations' spellings of the option are understood.
        off.submitConfig(romeo, "<field var='mam'><value>1</value></field>")
        off.say(juliet, "archived")
        off.submitConfig(romeo, "<field var='muc#roomconfig_mam'><value>0</value></field>")
        off.say(juliet, "not again")
        #expect(off.archive[roomJID]?.count == 1)
    }

    @Test func theServiceDefaultAppliesUntilAnOwnerChooses() {
        var settings = MUCSettings(domain: "conference.localhost")
        settings.archive.byDefault = false
        var t = archivedRoom(settings: settings)
        t.say(juliet, "not archived by default")
        #expect(t.archive.isEmpty)
        let form = t.send("<iq type='get' id='c' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>", from: romeo)
        let x = form.to(romeo).first?.child("query", namespace: NS.mucOwner)?.child("x", namespace: NS.dataForms)
        let archiving = x.flatMap(DataForm.init(element:))?["muc#roomconfig_enablearchiving"]
        #expect(archiving?.values == ["0"])
        t.submitConfig(romeo, field("enablearchiving", "1"))
        t.say(juliet, "archived")
        #expect(t.archive[roomJID]?.count == 1)
    }

    // MARK: Disco

    @Test func roomsThatArchiveAdvertiseIt() {
        var t = archivedRoom()
        let info = "<iq type='get' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
        func features(_ t: inout Transcript) -> [String] {
            let q = t.send(info, from: rosaline).to(rosaline).first?.child("query", namespace: NS.discoInfo)
            return q?.elements.filter { $0.name == "feature" }.compactMap { $0.attribute("var") } ?? []
        }
        #expect(features(&t).contains("urn:xmpp:mam:2"))
        t.submitConfig(romeo, field("enablearchiving", "0"))
        #expect(!features(&t).contains("urn:xmpp:mam:2"))
        // Without an archive store nothing is advertised or offered.
        var plain = Transcript()
        plain.createInstantRoom(romeo, nick: "Romeo", config: field("persistentroom", "1"))
        #expect(!features(&plain).contains("urn:xmpp:mam:2"))
    }

    // MARK: Queries

    @Test func aQueryReturnsResultsThenFin() throws {
        var t = archivedRoom("", settings: MUCSettings(domain: "conference.localhost"))
        let sidSaid = t.say(juliet, "one", id: "c1")
        let sid = try #require(sidSaid)
        t.now += 60
        t.say(romeo, "two")
        let (results, fin) = query(&t, rosaline)
        #expect(bodies(results) == ["one", "two"])
        let first = try #require(results.first)
        #expect(first.attribute("from") == room && first.attribute("to") == rosaline)
        let result = try #require(first.child("result", namespace: "urn:xmpp:mam:2"))
        #expect(result.attribute("queryid") == "f28" && result.attribute("id") == sid)
        let forwarded = try #require(result.child("forwarded", namespace: "urn:xmpp:forward:0"))
        #expect(forwarded.child("delay", namespace: NS.delay)?.attribute("stamp") == "2023-11-14T22:13:20Z")
        let inner = try #require(forwarded.child("message", namespace: NS.client))
        #expect(inner.attribute("from") == "\(room)/Juliet" && inner.attribute("id") == "c1" && inner.attribute("to") == nil)
        #expect(inner.child("occupant-id", namespace: NS.occupantID)?.attribute("id") == t.occupantID(People.julietBare))
        // A stranger in a semi-anonymous room sees no real JID.
        #expect(inner.child("x", namespace: NS.mucUser) == nil)
        #expect(fin?.attribute("complete") == "true")
        let set = fin?.child("set", namespace: NS.rsm)
        #expect(set?.childText("first", namespace: NS.rsm) == sid)
        #expect(set?.childText("count", namespace: NS.rsm) == "2")
    }

    @Test func pagingForwardAndBackwardOverAThousandMessagesHasNoGapsOrRepeats() throws {
        var t = archivedRoom()
        for i in 0..<1000 { t.say(juliet, "m\(i)"); t.now += 1 }
        let all = (0..<1000).map { "m\($0)" }
        // Forward, 50 at a time (the default page), following <last/>.
        var seen: [String] = []
        var after: String? = nil
        var pages = 0
        while true {
            let (results, fin) = query(&t, romeo, rsm: after.map { "<after>\($0)</after>" } ?? "")
            seen += bodies(results)
            pages += 1
            let complete = fin?.attribute("complete") == "true"
            #expect(complete == (seen.count == 1000), "complete exactly on the last page")
            if complete { break }
            after = try #require(fin?.child("set", namespace: NS.rsm)?.childText("last", namespace: NS.rsm))
            if pages > 30 { Issue.record("paging does not end"); break }
        }
        #expect(seen == all && pages == 20)
        // Backward from the end, 70 at a time, following <first/>.
        var back: [String] = []
        var before = ""
        pages = 0
        while true {
            let (results, fin) = query(&t, romeo, rsm: "<max>70</max><before>\(before)</before>")
            back = bodies(results) + back
            pages += 1
            if fin?.attribute("complete") == "true" { break }
            before = try #require(fin?.child("set", namespace: NS.rsm)?.childText("first", namespace: NS.rsm))
            if pages > 30 { Issue.record("paging does not end"); break }
        }
        #expect(back == all && pages == 15)
        // The maximum page size bounds what a query asks for; max 0 gives only the count.
        #expect(query(&t, romeo, rsm: "<max>100000</max>").results.count == 250)
        let counted = query(&t, romeo, rsm: "<max>0</max>")
        #expect(counted.results.isEmpty && counted.fin?.child("set", namespace: NS.rsm)?.childText("count", namespace: NS.rsm) == "1000")
    }

    @Test func filtersByTimeAndBySender() {
        var t = archivedRoom()
        t.say(juliet, "early")
        t.now += 100
        t.say(romeo, "middle")
        t.now += 100
        t.say(juliet, "late")
        let start = Timestamp.format(t.now - 150), end = Timestamp.format(t.now - 50)
        #expect(bodies(query(&t, romeo, form: "<field var='start'><value>\(start)</value></field>").results) == ["middle", "late"])
        #expect(bodies(query(&t, romeo, form: "<field var='end'><value>\(end)</value></field>").results) == ["early", "middle"])
        // A moderator may filter by real JID; results show real JIDs to him.
        let byJuliet = query(&t, romeo, form: "<field var='with'><value>\(juliet)</value></field>")
        #expect(bodies(byJuliet.results) == ["early", "late"])
        let inner = byJuliet.results.first?.child("result", namespace: "urn:xmpp:mam:2")?.child("forwarded", namespace: "urn:xmpp:forward:0")?
            .child("message", namespace: NS.client)
        #expect(inner?.child("x", namespace: NS.mucUser)?.child("item", namespace: NS.mucUser)?.attribute("jid") == People.julietBare)
        // A participant of a semi-anonymous room may not.
        expectError(t.send(mam(form: "<field var='with'><value>\(People.romeoBare)</value></field>"), from: juliet),
                    to: juliet, kind: "iq", type: "auth", condition: "forbidden")
        expectError(t.send(mam(form: "<field var='start'><value>yesterday</value></field>"), from: romeo),
                    to: romeo, kind: "iq", type: "modify", condition: "bad-request")
        expectError(t.send(mam(rsm: "<after>no-such-id</after>"), from: romeo), to: romeo, kind: "iq", type: "cancel", condition: "item-not-found")
        expectError(t.send(mam(rsm: "<index>3</index>"), from: romeo), to: romeo, kind: "iq", type: "cancel", condition: "feature-not-implemented")
    }

    @Test func theQueryFormListsTheFields() {
        var t = archivedRoom()
        let out = t.send("<iq type='get' id='f' to='\(room)'><query xmlns='urn:xmpp:mam:2'/></iq>", from: juliet)
        let x = out.to(juliet).first?.child("query", namespace: "urn:xmpp:mam:2")?.child("x", namespace: NS.dataForms)
        let form = x.flatMap(DataForm.init(element:))
        #expect(form?.formType == "urn:xmpp:mam:2")
        #expect(form?.fields.compactMap(\.variable) == ["FORM_TYPE", "with", "start", "end"])
    }

    // MARK: Access

    @Test func whoMayReadTheArchive() {
        var t = archivedRoom()
        t.say(juliet, "hi")
        // Open public room: anyone but outcasts.
        #expect(bodies(query(&t, rosaline).results) == ["hi"])
        t.admin(romeo, "<item affiliation='outcast' jid='\(People.rosalineBare)'/>")
        expectError(t.send(mam(), from: rosaline), to: rosaline, kind: "iq", type: "auth", condition: "forbidden")
        // Hidden, members-only or password-protected rooms: occupants and affiliated users only.
        for config in [field("publicroom", "0"), field("membersonly", "1"), field("passwordprotectedroom", "1") + field("roomsecret", "pw")] {
            var r = archivedRoom(config)
            r.say(romeo, "inside")
            expectError(r.send(mam(), from: rosaline), to: rosaline, kind: "iq", type: "auth", condition: "forbidden")
            r.admin(romeo, "<item affiliation='member' jid='\(People.rosalineBare)'/>")
            #expect(bodies(query(&r, rosaline).results) == ["inside"])
        }
        // In a non-anonymous room everyone who may read sees real JIDs.
        var open = archivedRoom(field("whois", "anyone"))
        open.say(romeo, "hello")
        let inner = query(&open, juliet).results.first?.child("result", namespace: "urn:xmpp:mam:2")?
            .child("forwarded", namespace: "urn:xmpp:forward:0")?.child("message", namespace: NS.client)
        #expect(inner?.child("x", namespace: NS.mucUser)?.child("item", namespace: NS.mucUser)?.attribute("jid") == People.romeoBare)
    }

    // MARK: Moderation and lifecycle

    @Test func aModeratedMessageBecomesATombstone() throws {
        var t = archivedRoom()
        t.say(juliet, "keep")
        let sidSaid = t.say(juliet, "spam")
        let sid = try #require(sidSaid)
        let out = t.send("""
            <iq type='set' id='mod' to='\(room)'><moderate id='\(sid)' xmlns='urn:xmpp:message-moderate:1'>\
            <retract xmlns='urn:xmpp:message-retract:1'/><reason>Spam</reason></moderate></iq>
            """, from: romeo)
        #expect(out.to(romeo).last?.attribute("type") == "result")
        let (results, _) = query(&t, juliet)
        #expect(bodies(results) == ["keep"])
        #expect(results.count == 3)
        let tombstone = results[1].child("result", namespace: "urn:xmpp:mam:2")?.child("forwarded", namespace: "urn:xmpp:forward:0")?
            .child("message", namespace: NS.client)
        #expect(tombstone?.attribute("from") == "\(room)/Juliet")
        #expect(tombstone?.child("occupant-id", namespace: NS.occupantID)?.attribute("id") == t.occupantID(People.julietBare))
        let retracted = tombstone?.child("retracted", namespace: NS.retract)
        #expect(retracted?.childText("reason", namespace: NS.retract) == "Spam")
        #expect(retracted?.child("moderated", namespace: NS.moderate)?.attribute("by") == "\(room)/Romeo")
        // The announcement is archived too, from the room.
        let announcement = results[2].child("result", namespace: "urn:xmpp:mam:2")?.child("forwarded", namespace: "urn:xmpp:forward:0")?
            .child("message", namespace: NS.client)
        #expect(announcement?.attribute("from") == room)
        #expect(announcement?.child("retract", namespace: NS.retract)?.attribute("id") == sid)
    }

    @Test func messagesOnlyTheArchiveHoldsCanBeModerated() throws {
        var t = archivedRoom(field("historylength", "1"))
        let oldSaid = t.say(juliet, "old")
        let old = try #require(oldSaid)
        t.say(juliet, "newer")
        let moderate = { (id: String) in """
            <iq type='set' id='mod' to='\(room)'><moderate id='\(id)' xmlns='urn:xmpp:message-moderate:1'>\
            <retract xmlns='urn:xmpp:message-retract:1'/></moderate></iq>
            """ }
        let out = t.send(moderate(old), from: romeo)
        #expect(out.to(romeo).last?.attribute("type") == "result")
        #expect(bodies(query(&t, romeo).results) == ["newer"])
        // An id neither holds: item-not-found, nothing broadcast.
        let missing = t.send(moderate("no-such-id"), from: romeo)
        expectError(missing, to: romeo, kind: "iq", type: "cancel", condition: "item-not-found")
        #expect(missing.to(juliet).isEmpty)
    }

    @Test func destroyingARoomDeletesItsArchive() {
        var t = archivedRoom()
        t.say(juliet, "gone soon")
        #expect(t.archive[roomJID]?.count == 1)
        t.send("<iq type='set' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>", from: romeo)
        #expect(t.archive[roomJID] == nil)
        // Without a room store, the archive is deleted on its own.
        var memory = Transcript(store: false, archive: true)
        memory.createInstantRoom(romeo, nick: "Romeo", config: field("persistentroom", "1"))
        memory.say(romeo, "x")
        #expect(memory.archive[roomJID]?.count == 1)
        memory.send("<iq type='set' id='d' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>", from: romeo)
        #expect(memory.archive[roomJID] == nil)
    }

    // MARK: Join history

    func historyBodies(_ out: Output, to who: String) -> [String] {
        out.to(who).filter { $0.name == "message" && $0.child("delay", namespace: NS.delay) != nil }
            .compactMap { $0.childText("body", namespace: NS.component) }
    }

    @Test func joinHistoryComesFromTheArchiveAfterARestart() {
        var t = archivedRoom()
        for i in 0..<30 { t.say(juliet, "m\(i)"); t.now += 1 }
        // A new process: the same store and archive, nothing in memory.
        var restarted = Transcript(archive: true)
        restarted.stored = t.stored
        restarted.archive = t.archive
        restarted.now = t.now
        let out = restarted.join(rosaline, nick: "Rosaline")
        // The room's history length (20) bounds what a joiner gets; oldest first, each delayed.
        #expect(historyBodies(out, to: rosaline) == (10..<30).map { "m\($0)" })
        let first = out.to(rosaline).first { $0.child("delay", namespace: NS.delay) != nil }
        #expect(first?.attribute("from") == "\(room)/Juliet")
        #expect(first?.child("delay", namespace: NS.delay)?.attribute("from") == room)
        #expect(first?.child("occupant-id", namespace: NS.occupantID)?.attribute("id") == t.occupantID(People.julietBare))
        // The subject comes last.
        #expect(out.to(rosaline).last?.child("subject", namespace: NS.component) != nil)
        // The joiner's own limits apply.
        restarted.send("<presence type='unavailable' to='\(room)/Rosaline'/>", from: rosaline)
        let few = restarted.join(rosaline, nick: "Rosaline", x: "<history maxstanzas='3'/>")
        #expect(historyBodies(few, to: rosaline) == ["m27", "m28", "m29"])
        restarted.send("<presence type='unavailable' to='\(room)/Rosaline'/>", from: rosaline)
        let recent = restarted.join(rosaline, nick: "Rosaline", x: "<history seconds='5'/>")
        #expect(historyBodies(recent, to: rosaline) == ["m25", "m26", "m27", "m28", "m29"])
        // Nothing asked for: no archive read at all.
        restarted.send("<presence type='unavailable' to='\(room)/Rosaline'/>", from: rosaline)
        let none = restarted.join(rosaline, nick: "Rosaline", x: "<history maxstanzas='0'/>")
        #expect(historyBodies(none, to: rosaline).isEmpty)
        #expect(!none.actions.contains { if case .queryArchive = $0 { return true } else { return false } })
    }

    @Test func aFullRingNeedsNoArchiveAndModeratedMessagesStayOut() throws {
        var t = archivedRoom(field("historylength", "3"))
        for i in 0..<5 { t.say(juliet, "m\(i)") }
        let out = t.join(rosaline, nick: "Rosaline")
        #expect(historyBodies(out, to: rosaline) == ["m2", "m3", "m4"])
        #expect(!out.actions.contains { if case .queryArchive = $0 { return true } else { return false } })
        // After a restart a moderated message is a tombstone: not history.
        let sidSaid = t.say(juliet, "spam")
        let sid = try #require(sidSaid)
        t.send("<iq type='set' id='mod' to='\(room)'><moderate id='\(sid)' xmlns='urn:xmpp:message-moderate:1'><retract xmlns='urn:xmpp:message-retract:1'/></moderate></iq>", from: romeo)
        var restarted = Transcript(archive: true)
        restarted.stored = t.stored
        restarted.archive = t.archive
        let again = restarted.join(People.romeo, nick: "Romeo")
        #expect(historyBodies(again, to: romeo) == ["m2", "m3", "m4"], "the last three with a body; the tombstone is not one")
    }

    @Test func whileTheArchiveIsReadTheJoinersRestWaitsInOrder() {
        var t = archivedRoom()
        t.say(juliet, "before")
        var restarted = Transcript(archive: true)
        restarted.stored = t.stored
        restarted.archive = t.archive
        restarted.join(romeo, nick: "Romeo")
        restarted.answering = false
        let joined = restarted.join(rosaline, nick: "Rosaline")
        // Presences went out; the history and subject wait for the archive.
        #expect(joined.to(rosaline).contains { $0.name == "presence" })
        #expect(!joined.to(rosaline).contains { $0.name == "message" })
        var out: Output
        // Romeo speaks meanwhile: his message waits behind Rosaline's history (archive write pending too).
        restarted.send("<message type='groupchat' to='\(room)'><body>meanwhile</body></message>", from: romeo)
        out = restarted.answer()   // the history read
        let messages = out.to(rosaline).filter { $0.name == "message" }
        #expect(messages.compactMap { $0.childText("body", namespace: NS.component) } == ["before"])
        #expect(messages.last?.child("subject", namespace: NS.component) != nil)
        out = restarted.answer()   // the archive write of "meanwhile"
        #expect(out.to(rosaline).compactMap { $0.childText("body", namespace: NS.component) } == ["meanwhile"])
    }
}
