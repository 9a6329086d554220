import FakeServer
import Foundation
import Logging
import Testing
@testable import Component
import MUC
import MUCConfig
import RoomStore
import SQLiteStore
import XMPPCore

/// The runtime carrying out storage: an owner's change is acknowledged only after it is stored,
/// a failed store refuses and undoes the change, and stored rooms come back lazily after a restart.
@Suite(.serialized, .timeLimit(.minutes(3))) struct PersistenceRuntimeTests {
    static let domain = "conference.localhost"
    static let secret = "s3cret"

    /// A fake server plus a component on `store`; `body` runs once the component is connected.
    static func withService(store: any RoomStore, maxRooms: Int = 0, _ body: (FakeServer, MUCComponent) async throws -> Void) async throws {
        let server = try await FakeServer.start(FakeServerConfiguration(componentDomain: domain, secret: secret))
        var c = Configuration()
        c.component.domain = domain
        c.component.port = server.port
        c.component.secret = .literal(secret)
        c.storage.backend = .memory
        c.limits.maxRooms = maxRooms
        let component = MUCComponent(configuration: c, secret: secret, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, store: store)
        let task = Task { try await component.run() }
        do {
            try await component.waitUntilReady()
            try await body(server, component)
        } catch {
            await stop(component, task); await server.stop()
            throw error
        }
        await stop(component, task)
        await server.stop()
    }

    static func createPersistentRoom(_ romeo: TestClient) async throws {
        try await romeo.send("<presence to='room@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
        #expect(await romeo.next { $0.name == "message" && $0.child("subject", namespace: NS.client) != nil } != nil)
        try await romeo.send("""
        <iq id='cfg' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'>
        <x xmlns='jabber:x:data' type='submit'>
        <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
        <field var='muc#roomconfig_persistentroom'><value>1</value></field>
        <field var='muc#roomconfig_roomname'><value>Balcony</value></field>
        </x></query></iq>
        """)
        #expect(await romeo.iqReply("cfg")?.attribute("type") == "result")
    }

    /// Romeo in his persistent room `room`, Juliet in a temporary room `other`.
    static func twoRooms(_ server: FakeServer) async throws -> (romeo: TestClient, juliet: TestClient) {
        let romeo = try await TestClient(server: server, jid: "romeo@localhost")
        let juliet = try await TestClient(server: server, jid: "juliet@localhost")
        try await createPersistentRoom(romeo)
        try await juliet.send("<presence to='other@conference.localhost/Juliet'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
        #expect(await juliet.next { $0.name == "message" } != nil)
        return (romeo, juliet)
    }

    @Test func configurationIsStoredBeforeItIsAcknowledged() async throws {
        let store = MemoryRoomStore()
        try await Self.withService(store: store) { server, _ in
            let romeo = try await TestClient(server: server, jid: "romeo@localhost")
            try await Self.createPersistentRoom(romeo)
            // The result arrived, so the record must already be in the store.
            let record = try await store.load(try BareJID("room@conference.localhost"))
            #expect(record?.config.persistent == true)
            #expect(record?.config.name == "Balcony")
        }
    }

    @Test func aFailedStoreRefusesAndUndoesTheChange() async throws {
        let store = MemoryRoomStore()
        try await Self.withService(store: store) { server, _ in
            let romeo = try await TestClient(server: server, jid: "romeo@localhost")
            try await Self.createPersistentRoom(romeo)
            await store.failNextWrites(1)
            try await romeo.send("<iq id='m1' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='juliet@localhost'/></query></iq>")
            let reply = await romeo.iqReply("m1")
            #expect(reply?.attribute("type") == "error")
            let error = reply?.child("error", namespace: NS.client)
            #expect(error?.attribute("type") == "wait")
            #expect(error?.child("internal-server-error", namespace: NS.stanzas) != nil)
            // Neither memory nor the store kept the change.
            try await romeo.send("<iq id='l1' to='room@conference.localhost' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>")
            let list = await romeo.iqReply("l1")
            #expect(list?.attribute("type") == "result")
            #expect(list?.child("query", namespace: NS.mucAdmin)?.elements.isEmpty == true)
            let record = try await store.load(try BareJID("room@conference.localhost"))
            #expect(record?.affiliations.contains { $0.jid.description == "juliet@localhost" } == false)
            // The store is back: the same change now succeeds.
            try await romeo.send("<iq id='m2' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='juliet@localhost'/></query></iq>")
            #expect(await romeo.iqReply("m2")?.attribute("type") == "result")
        }
    }

    /// A stalled store (a frozen disk, a lock held elsewhere) holds only the room that waits for
    /// it: another room's message goes through at once, and the owner's change is answered once
    /// when the store goes on, before what was held behind it in the same room.
    @Test func aStalledStoreHoldsOnlyItsRoom() async throws {
        let store = MemoryRoomStore()
        try await Self.withService(store: store) { server, _ in
            let (romeo, juliet) = try await Self.twoRooms(server)

            await store.stallWrites()
            try await romeo.send("<iq id='slow' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='juliet@localhost'/></query></iq>")
            try await romeo.send("<message id='behind' type='groupchat' to='room@conference.localhost'><body>behind the change</body></message>")
            // The write has reached the store and waits there.
            for _ in 0..<200 where await store.stalledWriteCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(await store.stalledWriteCount == 1)

            try await juliet.send("<message id='b' type='groupchat' to='other@conference.localhost'><body>in the other room</body></message>")
            let reflected = await juliet.next { $0.name == "message" && $0.attribute("id") == "b" }
            #expect(reflected != nil, "the other room was not held up")

            await store.releaseWrites()
            let replies = await romeo.collect(until: { $0.name == "message" && $0.attribute("id") == "behind" })
            let results = replies.filter { $0.name == "iq" && $0.attribute("id") == "slow" }
            #expect(results.count == 1)
            #expect(results.first?.attribute("type") == "result")
        }
    }

    /// An operator's bad day, from outside: another process holds the SQLite write lock while an
    /// owner changes room A. A message in room B is reflected at once; A's change is answered
    /// exactly once, when the lock goes.
    @Test func aSQLiteLockHeldElsewhereHoldsOnlyTheRoomThatWrites() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("muc-lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("muc.sqlite").path
        let store = try SQLiteRoomStore(path: path)
        try await Self.withService(store: store) { server, _ in
            let (romeo, juliet) = try await Self.twoRooms(server)

            let lock = try SQLiteLockHolder(path: path)
            try await romeo.send("""
            <iq id='rename' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'>
            <x xmlns='jabber:x:data' type='submit'>
            <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
            <field var='muc#roomconfig_roomname'><value>Renamed</value></field>
            </x></query></iq>
            """)
            try await juliet.send("<message id='b' type='groupchat' to='other@conference.localhost'><body>meanwhile</body></message>")
            #expect(await juliet.next(within: 3) { $0.name == "message" && $0.attribute("id") == "b" } != nil,
                    "room B was not held up by room A's write")
            #expect(await romeo.next(within: 0.3) { $0.name == "iq" && $0.attribute("id") == "rename" } == nil,
                    "A's change is not acknowledged while it cannot be stored")

            lock.release()
            let reply = await romeo.iqReply("rename")
            #expect(reply?.attribute("type") == "result")
            #expect(await romeo.next(within: 0.5) { $0.name == "iq" && $0.attribute("id") == "rename" } == nil, "answered once")
            #expect(try await store.load(try BareJID("room@conference.localhost"))?.config.name == "Renamed")
        }
    }

    @Test func storedRoomsComeBackLazilyAfterARestart() async throws {
        let store = MemoryRoomStore()
        try await Self.withService(store: store) { server, _ in
            let romeo = try await TestClient(server: server, jid: "romeo@localhost")
            try await Self.createPersistentRoom(romeo)
            try await romeo.send("<iq id='m1' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='juliet@localhost' nick='Jules'/></query></iq>")
            #expect(await romeo.iqReply("m1")?.attribute("type") == "result")
        }
        let restarted = await store.reopened()
        try await Self.withService(store: restarted) { server, _ in
            #expect(await restarted.loadsPerformed == 0)
            let romeo = try await TestClient(server: server, jid: "romeo@localhost")
            try await romeo.send("<presence to='room@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
            let selfPresence = await romeo.next { $0.name == "presence" }
            let codes = selfPresence?.child("x", namespace: NS.mucUser)?.children("status", namespace: NS.mucUser).compactMap { $0.attribute("code") } ?? []
            #expect(codes.contains("110"))
            #expect(!codes.contains("201"), "the room exists already: it was loaded from the store")
            #expect(await restarted.loadsPerformed == 1)
            try await romeo.send("<iq id='l1' to='room@conference.localhost' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>")
            let item = await romeo.iqReply("l1")?.child("query", namespace: NS.mucAdmin)?.child("item", namespace: NS.mucAdmin)
            #expect(item?.attribute("jid") == "juliet@localhost")
            #expect(item?.attribute("nick") == "Jules")
        }
    }

    /// `limits.max_rooms`: at the bound an empty persistent room leaves memory for a new one and
    /// comes back from the store on its next stanza; with every room occupied, creation is refused.
    @Test func roomLimitUnloadsIdleStoredRoomsAndRefusesWhenAllAreBusy() async throws {
        let store = MemoryRoomStore()
        try await Self.withService(store: store, maxRooms: 1) { server, _ in
            let romeo = try await TestClient(server: server, jid: "romeo@localhost")
            try await Self.createPersistentRoom(romeo)
            try await romeo.send("<presence type='unavailable' to='room@conference.localhost/Romeo'/>")
            let left = await romeo.next { $0.name == "presence" && $0.attribute("type") == "unavailable" }
            #expect(left != nil)

            // The stored room is empty: it makes way for a new one.
            let juliet = try await TestClient(server: server, jid: "juliet@localhost")
            try await juliet.send("<presence to='other@conference.localhost/Juliet'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
            let created = await juliet.next { $0.name == "presence" }
            #expect(created != nil && created?.attribute("type") == nil)
            let loadsBefore = await store.loadsPerformed

            // Now the only room in memory is occupied: Romeo's room cannot come back, nor can another be created.
            try await romeo.send("<presence to='room@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
            let refused = await romeo.next { $0.name == "presence" }
            #expect(refused?.attribute("type") == "error")
            #expect(refused?.child("error", namespace: NS.client)?.child("resource-constraint", namespace: NS.stanzas) != nil)
            #expect(await store.loadsPerformed == loadsBefore, "refused before touching the store")

            // Juliet leaves (her room was temporary and goes): Romeo's room is loaded again, as configured.
            try await juliet.send("<presence type='unavailable' to='other@conference.localhost/Juliet'/>")
            let julietLeft = await juliet.next { $0.name == "presence" && $0.attribute("type") == "unavailable" }
            #expect(julietLeft != nil)
            try await romeo.send("<presence to='room@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
            let back = await romeo.next { $0.name == "presence" }
            let codes = back?.child("x", namespace: NS.mucUser)?.children("status", namespace: NS.mucUser).compactMap { $0.attribute("code") } ?? []
            #expect(back?.attribute("type") == nil)
            #expect(codes.contains("110") && !codes.contains("201"), "loaded from the store, not created anew")
            #expect(await store.loadsPerformed == loadsBefore + 1)
        }
    }

    @Test func serviceRoomListPagesThroughTheStore() async throws {
        let store = MemoryRoomStore()
        _ = try await store.migrate()
        for name in ["alpha", "bravo", "delta"] {
            var config = RoomConfig()
            config.persistent = true
            config.name = name.capitalized
            try await store.save(RoomRecord(jid: try BareJID("\(name)@conference.localhost"), config: config))
        }
        var hidden = RoomConfig()
        hidden.persistent = true
        hidden.isPublic = false
        try await store.save(RoomRecord(jid: try BareJID("secret@conference.localhost"), config: hidden))
        try await Self.withService(store: store) { server, _ in
            let romeo = try await TestClient(server: server, jid: "romeo@localhost")
            // A temporary room that lives only in memory.
            try await romeo.send("<presence to='charlie@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
            #expect(await romeo.next { $0.name == "message" } != nil)
            try await romeo.send("<iq id='c' to='charlie@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>")
            #expect(await romeo.iqReply("c")?.attribute("type") == "result")

            try await romeo.send("<iq id='d1' to='conference.localhost' type='get'><query xmlns='http://jabber.org/protocol/disco#items'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max></set></query></iq>")
            let first = await romeo.iqReply("d1")?.child("query", namespace: NS.discoItems)
            #expect(first?.children("item", namespace: NS.discoItems).map { $0.attribute("jid") ?? "" } == ["alpha@conference.localhost", "bravo@conference.localhost"])
            #expect(first?.child("set", namespace: NS.rsm)?.childText("last", namespace: NS.rsm) == "bravo@conference.localhost")

            try await romeo.send("<iq id='d2' to='conference.localhost' type='get'><query xmlns='http://jabber.org/protocol/disco#items'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>bravo@conference.localhost</after></set></query></iq>")
            let second = await romeo.iqReply("d2")?.child("query", namespace: NS.discoItems)
            #expect(second?.children("item", namespace: NS.discoItems).map { $0.attribute("jid") ?? "" } == ["charlie@conference.localhost", "delta@conference.localhost"])
            #expect(second?.children("item", namespace: NS.discoItems).last?.attribute("name") == "Delta")
            // Listing does not load rooms.
            #expect(await store.loadsPerformed == 0)
        }
    }

    @Test func gracefulShutdownTellsOccupantsWithStatus332() async throws {
        let server = try await FakeServer.start(FakeServerConfiguration(componentDomain: Self.domain, secret: Self.secret))
        var c = Configuration()
        c.component.domain = Self.domain
        c.component.port = server.port
        c.component.secret = .literal(Self.secret)
        c.storage.backend = .memory
        let component = MUCComponent(configuration: c, secret: Self.secret, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let task = Task { try await component.run() }
        try await component.waitUntilReady()
        let romeo = try await TestClient(server: server, jid: "romeo@localhost")
        try await romeo.send("<presence to='room@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
        #expect(await romeo.next { $0.name == "message" } != nil)
        await stop(component, task)
        let gone = await romeo.next { $0.name == "presence" && $0.attribute("type") == "unavailable" }
        let codes = gone?.child("x", namespace: NS.mucUser)?.children("status", namespace: NS.mucUser).compactMap { $0.attribute("code") } ?? []
        #expect(codes.contains("332"))
        await server.stop()
    }

    @Test func occupantsTheServerLostAreRemovedAfterAReconnect() async throws {
        try await Self.withService(store: MemoryRoomStore()) { server, component in
            let romeo = try await TestClient(server: server, jid: "romeo@localhost")
            let juliet = try await TestClient(server: server, jid: "juliet@localhost")
            try await romeo.send("<presence to='room@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
            #expect(await romeo.next { $0.name == "message" } != nil)
            try await romeo.send("<iq id='c' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>")
            #expect(await romeo.iqReply("c")?.attribute("type") == "result")
            try await juliet.send("<presence to='room@conference.localhost/Juliet'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
            #expect(await juliet.next { $0.name == "message" } != nil)

            // The server restarts: its stream to us ends, and Romeo's session is lost without the
            // room hearing of it.
            let mark = server.eventCount
            await server.dropComponent(domain: Self.domain)
            await romeo.client.disconnect()
            try await server.waitForEvent(from: mark, timeout: .seconds(10)) { $0 == .componentAuthenticated(domain: Self.domain) }

            // After the reconnect the room pings its occupants; Romeo's ping bounces and he is removed.
            let gone = await juliet.next(within: 10) {
                $0.name == "presence" && $0.attribute("type") == "unavailable" && $0.attribute("from") == "room@conference.localhost/Romeo"
            }
            let codes = gone?.child("x", namespace: NS.mucUser)?.children("status", namespace: NS.mucUser).compactMap { $0.attribute("code") } ?? []
            #expect(codes.contains("333"))
            #expect(await component.connectionCount() == 2)
        }
    }
}
