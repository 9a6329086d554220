import Foundation
import Testing
@testable import Component
import MUC
import MUCConfig
import RoomStore
import XMLStream
import XMPPCore

/// The archive's retention (`[archive] retention_days`, `max_messages_per_room`) and its export.
@Suite(.timeLimit(.minutes(1))) struct ArchiveRetentionTests {
    static func messages(_ room: String, count: Int, start: Double, prefix: String = "m") throws -> [ArchivedMessage] {
        try (0..<count).map { i in
            ArchivedMessage(room: try BareJID(room), id: "\(prefix)\(i)", time: start + Double(i), nick: "Alice",
                            sender: try BareJID("alice@example.org"), occupantID: "occ-a",
                            stanza: "<message type='groupchat'><body>\(prefix) \(i) &amp; more</body></message>")
        }
    }

    @Test func policyFollowsTheConfiguration() {
        var archive = Configuration.Archive()
        #expect(!ArchiveRetentionPolicy(archive).deletes, "by default nothing is ever deleted")
        archive.retentionDays = 30
        archive.maxMessagesPerRoom = 10_000
        let policy = ArchiveRetentionPolicy(archive)
        #expect(policy.maxAge == Double(30 * 86_400))
        #expect(policy.maxMessagesPerRoom == 10_000)
    }

    /// Age across rooms, in batches larger than one transaction's; the bound only on the rooms named.
    @Test func aPassDeletesByAgeAndByBound() async throws {
        let store = MemoryRoomStore()
        let now = 1_800_000_000.0
        try await store.append(try Self.messages("old@conference.localhost", count: 1_200, start: now - 40 * 86_400))
        try await store.append(try Self.messages("busy@conference.localhost", count: 1_100, start: now - 1_000))
        try await store.append(try Self.messages("quiet@conference.localhost", count: 50, start: now - 1_000))
        let policy = ArchiveRetentionPolicy(maxAge: 30 * 86_400, maxMessagesPerRoom: 40)

        let first = try await ArchiveRetention.pass(store, policy: policy, now: now,
                                                   rooms: .only([try BareJID("busy@conference.localhost")]))
        #expect(first.expired == 1_200)
        #expect(first.trimmed == 1_060)
        #expect(try await store.archiveSize(of: BareJID("old@conference.localhost")).messages == 0)
        let busy = try #require(try await store.query(ArchiveQuery(room: BareJID("busy@conference.localhost"), max: 100)))
        #expect(busy.messages.map(\.id) == (1_060..<1_100).map { "m\($0)" }, "the newest 40 stay")
        #expect(try await store.archiveSize(of: BareJID("quiet@conference.localhost")).messages == 50, "not named: untouched")

        let all = try await ArchiveRetention.pass(store, policy: policy, now: now, rooms: .all)
        #expect(all.expired == 0)
        #expect(all.trimmed == 10)
        #expect(try await store.archiveSize(of: BareJID("quiet@conference.localhost")).messages == 40)
    }

    /// The service's job: a first pass over every room, then only rooms that archived since.
    @Test func theJobRunsUntilCancelled() async throws {
        let store = MemoryRoomStore()
        let room = try BareJID("room@conference.localhost")
        try await store.append(try Self.messages(room.description, count: 30, start: Date().timeIntervalSince1970))
        let touched = Touched()
        let job = Task {
            await ArchiveRetention.run(store, policy: ArchiveRetentionPolicy(maxAge: nil, maxMessagesPerRoom: 10),
                                       firstDelay: 0.01, interval: 0.05, touched: { await touched.take() },
                                       logger: .init(label: "test"))
        }
        try await waitFor { try await store.archiveSize(of: room).messages == 10 }
        try await store.append(try Self.messages(room.description, count: 5, start: Date().timeIntervalSince1970, prefix: "n"))
        await touched.add(room)
        try await waitFor {
            let last = try await store.query(ArchiveQuery(room: room, page: .last, max: 1))
            return try await store.archiveSize(of: room).messages == 10 && last?.messages.first?.id == "n4"
        }
        let page = try #require(try await store.query(ArchiveQuery(room: room, max: 20)))
        #expect(page.messages.map(\.id) == ["m25", "m26", "m27", "m28", "m29", "n0", "n1", "n2", "n3", "n4"])
        job.cancel()
        await job.value
    }

    actor Touched {
        var rooms: Set<BareJID> = []
        func add(_ room: BareJID) { rooms.insert(room) }
        func take() -> Set<BareJID> { defer { rooms = [] }; return rooms }
    }

    func waitFor(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<400 {
            if try await condition() { return }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        Issue.record("condition not met within 4 s")
    }

    /// The export is a well-formed document of XEP-0313 results in archive order, with real JIDs.
    @Test func exportWritesEveryMessageAsAResult() async throws {
        let store = MemoryRoomStore()
        let room = try BareJID("room@conference.localhost")
        try await store.append(try Self.messages(room.description, count: 25, start: 1_700_000_000))
        var document = ""
        let (written, unreadable) = try await ArchiveExport.export(room, from: store, now: 1_800_000_000, pageSize: 7) { document += $0 }
        #expect(written == 25)
        #expect(unreadable == 0)
        let parsed = try XMLStreamParser.parseFragment(String(document.drop { $0 != "\n" }), defaultNamespace: "jabber:client")
        let root = try #require(parsed.first)
        #expect(root.name == "archive" && root.namespace == ArchiveExport.namespace)
        #expect(root.attribute("room") == "room@conference.localhost")
        #expect(root.attribute("exported") == "2027-01-15T08:00:00Z")
        let results = root.children("result", namespace: "urn:xmpp:mam:2")
        #expect(results.map { $0.attribute("id") } == (0..<25).map { "m\($0)" })
        let first = try #require(results.first?.child("forwarded", namespace: "urn:xmpp:forward:0"))
        #expect(first.child("delay", namespace: "urn:xmpp:delay")?.attribute("stamp") == "2023-11-14T22:13:20Z")
        let message = try #require(first.child("message", namespace: "jabber:client"))
        #expect(message.attribute("from") == "room@conference.localhost/Alice")
        #expect(message.child("body", namespace: "jabber:client")?.text == "m 0 & more")
        #expect(message.child("x", namespace: "http://jabber.org/protocol/muc#user")?.child("item", namespace: "http://jabber.org/protocol/muc#user")?.attribute("jid") == "alice@example.org")
    }
}
