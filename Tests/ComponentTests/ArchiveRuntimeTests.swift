import FakeServer
import Foundation
import Testing
@testable import Component
import MUC
import RoomStore
import SQLiteStore
import XMPPCore

/// The runtime carrying out the archive (XEP-0313 on rooms): messages are delivered once their
/// write has committed, a stalled archive holds only its room, and the archive outlives a restart.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ArchiveRuntimeTests {
    typealias P = PersistenceRuntimeTests

    /// Sends `count` messages as Romeo and returns the stanza ids the room delivered, in order.
    static func say(_ romeo: TestClient, count: Int, prefix: String) async throws -> [String] {
        var ids: [String] = []
        for i in 0..<count {
            try await romeo.send("<message id='\(prefix)\(i)' type='groupchat' to='room@conference.localhost'><body>\(prefix) \(i)</body></message>")
        }
        for i in 0..<count {
            let m = await romeo.next { $0.name == "message" && $0.attribute("id") == "\(prefix)\(i)" }
            if let id = m?.child("stanza-id", namespace: NS.stanzaID)?.attribute("id") { ids.append(id) }
        }
        return ids
    }

    /// Every archived message of the room, paging forward as `client`: (archive id, body).
    static func readArchive(_ client: TestClient, max: Int = 7) async throws -> [(id: String, body: String)] {
        var out: [(String, String)] = []
        var after = ""
        for page in 0..<100 {
            let rsm = "<max>\(max)</max>" + (after.isEmpty ? "" : "<after>\(after)</after>")
            try await client.send("<iq type='set' id='p\(page)' to='room@conference.localhost'><query xmlns='urn:xmpp:mam:2' queryid='q\(page)'><set xmlns='http://jabber.org/protocol/rsm'>\(rsm)</set></query></iq>")
            let got = await client.collect(until: { $0.name == "iq" && $0.attribute("id") == "p\(page)" })
            for m in got where m.name == "message" {
                guard let result = m.child("result", namespace: "urn:xmpp:mam:2"), result.attribute("queryid") == "q\(page)",
                      let inner = result.child("forwarded", namespace: "urn:xmpp:forward:0")?.child("message", namespace: NS.client)
                else { continue }
                out.append((result.attribute("id") ?? "", inner.childText("body", namespace: NS.client) ?? ""))
            }
            let fin = got.last?.child("fin", namespace: "urn:xmpp:mam:2")
            if fin == nil { Issue.record("no fin: \(got.last.map { Serializer.string($0) } ?? "nothing")"); break }
            if fin?.attribute("complete") == "true" { break }
            after = fin?.child("set", namespace: NS.rsm)?.childText("last", namespace: NS.rsm) ?? ""
        }
        return out
    }

    @Test func theArchiveOutlivesARestartWithTheIdsThatWereDelivered() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("archive-runtime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("muc.sqlite").path
        var delivered: [String] = []
        try await P.withService(store: try SQLiteRoomStore(path: path)) { server, _ in
            let romeo = try await TestClient(server: server, jid: "romeo@localhost")
            try await P.createPersistentRoom(romeo)
            delivered = try await Self.say(romeo, count: 30, prefix: "m")
        }
        #expect(delivered.count == 30)
        try await P.withService(store: try SQLiteRoomStore(path: path)) { server, _ in
            let juliet = try await TestClient(server: server, jid: "juliet@localhost")
            let archived = try await Self.readArchive(juliet)
            #expect(archived.map(\.id) == delivered)
            #expect(archived.map(\.body) == (0..<30).map { "m \($0)" })
        }
    }

    @Test func aStalledArchiveHoldsTheMessagesOfItsRoomOnly() async throws {
        let store = MemoryRoomStore()
        try await P.withService(store: store) { server, _ in
            let (romeo, juliet) = try await P.twoRooms(server)
            await store.stallWrites()
            try await romeo.send("<message id='waiting' type='groupchat' to='room@conference.localhost'><body>after the commit</body></message>")
            for _ in 0..<200 where await store.stalledWriteCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(await store.stalledWriteCount == 1)
            // Juliet's temporary room keeps no archive and is not held up.
            try await juliet.send("<message id='b' type='groupchat' to='other@conference.localhost'><body>meanwhile</body></message>")
            #expect(await juliet.next { $0.name == "message" && $0.attribute("id") == "b" } != nil)
            #expect(await romeo.next(within: 0.3) { $0.name == "message" && $0.attribute("id") == "waiting" } == nil,
                    "not delivered before its archive write committed")
            await store.releaseWrites()
            #expect(await romeo.next { $0.name == "message" && $0.attribute("id") == "waiting" } != nil)
            #expect(try await store.archiveSize(of: BareJID("room@conference.localhost")).messages == 1)
        }
    }

    @Test func destroyingTheRoomTakesItsArchive() async throws {
        let store = MemoryRoomStore()
        let room = try BareJID("room@conference.localhost")
        try await P.withService(store: store) { server, _ in
            let romeo = try await TestClient(server: server, jid: "romeo@localhost")
            try await P.createPersistentRoom(romeo)
            _ = try await Self.say(romeo, count: 5, prefix: "d")
            #expect(try await store.archiveSize(of: room).messages == 5)
            try await romeo.send("<iq id='x' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>")
            #expect(await romeo.iqReply("x")?.attribute("type") == "result")
            #expect(try await store.archiveSize(of: room).messages == 0)
            #expect(try await store.load(room) == nil)
        }
    }
}
