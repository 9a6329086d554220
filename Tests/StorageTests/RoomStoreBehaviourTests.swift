import Foundation
import MUC
import PostgresStore
import RoomStore
import SQLiteStore
import Testing
import XMPPCore

/// One behavioural contract, run against every backend. PostgreSQL cases need the throwaway
/// server of `make test-postgres` (scripts/with-postgres.sh); without it they are left out of the
/// arguments and `postgresIsIncluded` is reported as skipped with that hint — never as passed.
@Suite("RoomStore behaviour")
struct RoomStoreBehaviourTests {
    /// Recorded as skipped, with the way to run them, when the PostgreSQL cases are left out.
    @Test("PostgreSQL cases are part of this run", .enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.notConfigured))
    func postgresIsIncluded() {
        #expect(Backend.available.contains(.postgres))
    }

    static func expectedVersion(_ backend: Backend) -> Int {
        switch backend {
        case .memory: return MemoryRoomStore.currentSchemaVersion
        case .sqlite: return SQLiteRoomStore.currentSchemaVersion
        case .postgres: return PostgresRoomStore.currentSchemaVersion
        }
    }

    @Test("migrate creates the schema, is idempotent and reports the version", arguments: Backend.available)
    func migrateIsIdempotent(_ backend: Backend) async throws {
        try await StoreFixture.with(backend, migrated: false) { fixture in
            let store = fixture.store
            #expect(try await store.schemaVersion() == 0)
            let expected = Self.expectedVersion(backend)
            #expect(expected >= 1)
            #expect(try await store.migrate() == expected)
            #expect(try await store.migrate() == expected)
            #expect(try await store.schemaVersion() == expected)
            #expect(try await store.count() == 0)
            // A new instance on migrated data migrates nothing and finds the same version.
            let again = try await fixture.reopen()
            #expect(try await again.schemaVersion() == expected)
            #expect(try await again.migrate() == expected)
        }
    }

    @Test("a rich record round-trips unchanged", arguments: Backend.available)
    func roundTrip(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let record = richRecord()
            try await fixture.store.save(record)
            let loaded = try await fixture.store.load(record.jid)
            #expect(loaded == record)
            #expect(try await fixture.store.load(jid("nowhere@conference.example.org")) == nil)
            #expect(try await fixture.store.count() == 1)
        }
    }

    /// What the service writes on most changes: the room's own fields, and only the affiliation
    /// rows it names. Rows it does not name stay as stored even when the record says otherwise
    /// (that is how a subject change in a room of thousands of members stays cheap).
    @Test("a partial save writes the room and only the named affiliations", arguments: Backend.available)
    func partialSave(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let original = richRecord()
            try await fixture.store.save(original)
            var changed = original
            changed.subject = "A new subject"
            changed.config.name = "Renamed"
            changed.affiliations = [
                AffiliationRecord(jid: jid("alice@example.org"), affiliation: .owner, nick: "Alice", reason: nil),
                AffiliationRecord(jid: jid("bob@example.org"), affiliation: .admin, nick: nil, reason: "promoted again"),
                AffiliationRecord(jid: jid("dave@example.org"), affiliation: .member, nick: "Dave", reason: nil),
                // Not named below: the stored row must stay an outcast.
                AffiliationRecord(jid: jid("mallory@evil.example"), affiliation: .member, nick: nil, reason: nil),
                AffiliationRecord(jid: jid("service.example.com"), affiliation: .member, nick: "bridge", reason: ""),
            ]
            let named = [jid("bob@example.org"), jid("carol@example.net"), jid("dave@example.org")]
            try await fixture.store.save(changed, changes: RoomChanges(affiliations: named))
            let loaded = try #require(try await fixture.store.load(original.jid))
            #expect(loaded.subject == "A new subject")
            #expect(loaded.config.name == "Renamed")
            #expect(loaded.affiliations == [
                AffiliationRecord(jid: jid("alice@example.org"), affiliation: .owner, nick: "Alice", reason: nil),
                AffiliationRecord(jid: jid("bob@example.org"), affiliation: .admin, nick: nil, reason: "promoted again"),
                AffiliationRecord(jid: jid("dave@example.org"), affiliation: .member, nick: "Dave", reason: nil),
                AffiliationRecord(jid: jid("mallory@evil.example"), affiliation: .outcast, nick: nil, reason: "spam <links> & 'abuse'"),
                AffiliationRecord(jid: jid("service.example.com"), affiliation: .member, nick: "bridge", reason: ""),
            ])
            // Nothing named: only the room's own row changes.
            changed.subject = "Third"
            try await fixture.store.save(changed, changes: RoomChanges(affiliations: []))
            let again = try #require(try await fixture.store.load(original.jid))
            #expect(again.subject == "Third")
            #expect(again.affiliations == loaded.affiliations)
            let listed = try await fixture.store.list(after: nil, limit: 10, publicOnly: false)
            #expect(listed.map(\.name) == ["Renamed"])
        }
    }

    @Test("a record without affiliations or subject round-trips", arguments: Backend.available)
    func minimalRoundTrip(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let record = RoomRecord(jid: jid("bare@conference.example.org"), config: RoomConfig(persistent: true))
            try await fixture.store.save(record)
            #expect(try await fixture.store.load(record.jid) == record)
        }
    }

    @Test("saving again replaces the whole record", arguments: Backend.available)
    func replace(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let original = richRecord()
            try await fixture.store.save(original)

            var changed = original
            changed.config.name = "Renamed"
            changed.config.isPublic = true
            changed.config.password = ""
            changed.config.presenceBroadcast = [.moderator]
            changed.affiliations.removeAll { $0.affiliation == .outcast }
            changed.affiliations[0].nick = nil
            changed.affiliations.append(AffiliationRecord(jid: jid("zed@example.org"), affiliation: .admin, nick: "Zed", reason: "promoted"))
            changed.subject = ""
            changed.subjectNick = nil
            changed.subjectTime = nil
            try await fixture.store.save(changed)

            #expect(try await fixture.store.load(original.jid) == changed)
            #expect(try await fixture.store.count() == 1)
            let listed = try await fixture.store.list(after: nil, limit: 10, publicOnly: true)
            #expect(listed == [RoomSummary(jid: original.jid, name: "Renamed", isPublic: true)])
        }
    }

    @Test("delete removes one room; deleting an absent room is fine", arguments: Backend.available)
    func delete(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let kept = richRecord("kept@conference.example.org")
            let gone = richRecord("gone@conference.example.org")
            try await fixture.store.save(kept)
            try await fixture.store.save(gone)
            try await fixture.store.delete(gone.jid)
            #expect(try await fixture.store.load(gone.jid) == nil)
            #expect(try await fixture.store.load(kept.jid) == kept)
            #expect(try await fixture.store.count() == 1)
            try await fixture.store.delete(gone.jid)
            try await fixture.store.delete(jid("never@conference.example.org"))
            // A room saved again after deletion starts from what is saved, nothing left over.
            let reborn = simpleRecord("gone@conference.example.org", name: "Reborn")
            try await fixture.store.save(reborn)
            #expect(try await fixture.store.load(reborn.jid) == reborn)
        }
    }

    @Test("list pages by cursor in byte order, optionally only public rooms", arguments: Backend.available)
    func listPaging(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            var records: [RoomRecord] = []
            for i in 0..<23 {
                records.append(simpleRecord(String(format: "room%02d@conference.example.org", i),
                                            name: "Room \(i)", isPublic: i % 3 != 0))
            }
            // Byte order differs from naive expectations here: digits < uppercase-free letters < UTF-8.
            records.append(simpleRecord("zzz@conference.example.org", name: "Last ASCII"))
            records.append(simpleRecord("älg@conference.example.org", name: "Moose", isPublic: false))
            records.append(simpleRecord("0day@conference.example.org", name: "First"))
            for record in records.shuffled() { try await fixture.store.save(record) }
            #expect(try await fixture.store.count() == records.count)

            let sorted = records.sorted { $0.jid < $1.jid }
            let expectAll = sorted.map { RoomSummary(jid: $0.jid, name: $0.config.name, isPublic: $0.config.isPublic) }
            #expect(try await Self.walk(fixture.store, pageSize: 7, publicOnly: false) == expectAll)
            #expect(try await Self.walk(fixture.store, pageSize: 100, publicOnly: false) == expectAll)
            #expect(try await Self.walk(fixture.store, pageSize: 1, publicOnly: false) == expectAll)

            let expectPublic = expectAll.filter(\.isPublic)
            #expect(expectPublic.count < expectAll.count)
            #expect(try await Self.walk(fixture.store, pageSize: 4, publicOnly: true) == expectPublic)

            // A cursor that is not itself stored works, and so do the edges.
            let between = try await fixture.store.list(after: jid("room05a@conference.example.org"), limit: 2, publicOnly: false)
            #expect(between.map(\.jid) == [jid("room06@conference.example.org"), jid("room07@conference.example.org")])
            #expect(try await fixture.store.list(after: nil, limit: 0, publicOnly: false).isEmpty)
            #expect(try await fixture.store.list(after: sorted.last?.jid, limit: 5, publicOnly: false).isEmpty)
        }
    }

    /// Follows the cursor to the end, checking page sizes on the way.
    static func walk(_ store: any RoomStore, pageSize: Int, publicOnly: Bool) async throws -> [RoomSummary] {
        var all: [RoomSummary] = []
        var cursor: BareJID? = nil
        while true {
            let page = try await store.list(after: cursor, limit: pageSize, publicOnly: publicOnly)
            #expect(page.count <= pageSize)
            all += page
            guard page.count == pageSize, let last = page.last else { break }
            cursor = last.jid
        }
        return all
    }

    @Test("a new instance on the same data finds what was saved", arguments: Backend.available)
    func reopen(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let record = richRecord()
            let other = simpleRecord("other@conference.example.org", name: "Other")
            try await fixture.store.save(record)
            try await fixture.store.save(other)
            try await fixture.store.delete(other.jid)

            let reopened = try await fixture.reopen()
            #expect(try await reopened.schemaVersion() == Self.expectedVersion(backend))
            #expect(try await reopened.count() == 1)
            #expect(try await reopened.load(record.jid) == record)
            #expect(try await reopened.load(other.jid) == nil)
        }
    }

    @Test("saveAll stores every record in one go", arguments: Backend.available)
    func saveAll(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let records = (0..<5).map { richRecord("bulk\($0)@conference.example.org") }
            try await fixture.store.saveAll(records)
            try await fixture.store.saveAll([])
            #expect(try await fixture.store.count() == 5)
            for record in records { #expect(try await fixture.store.load(record.jid) == record) }
        }
    }

    @Test("a refused save changes nothing (no half-written room)", arguments: Backend.available)
    func refusedSaveIsAtomic(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let good = richRecord()
            try await fixture.store.save(good)

            // The same JID affiliated twice: the room row is written first, then the second
            // affiliation row is refused, so the backend must roll back the whole save.
            var bad = good
            bad.subject = "this subject must not be stored"
            bad.config.name = "Must not be stored"
            bad.affiliations.append(AffiliationRecord(jid: jid("alice@example.org"), affiliation: .member))
            let error = await expectStoreError(.invalidRecord) { try await fixture.store.save(bad) }
            #expect(error?.message.contains("alice@example.org") == true)
            #expect(try await fixture.store.load(good.jid) == good)

            // Same for a batch: the valid first record must not be stored either.
            let first = simpleRecord("first@conference.example.org")
            var badNew = simpleRecord("second@conference.example.org")
            badNew.affiliations.append(badNew.affiliations[0])
            _ = await expectStoreError(.invalidRecord) { try await fixture.store.saveAll([first, badNew]) }
            #expect(try await fixture.store.load(first.jid) == nil)
            #expect(try await fixture.store.count() == 1)
        }
    }

    @Test("a closed store refuses work with .closed", arguments: Backend.available)
    func closed(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            await fixture.store.close()
            _ = await expectStoreError(.closed) { _ = try await fixture.store.load(jid("x@conference.example.org")) }
            _ = await expectStoreError(.closed) { try await fixture.store.save(richRecord()) }
        }
    }

    @Test("copyRooms moves every room and its archive to another backend", arguments: Backend.available)
    func copyBetweenBackends(_ backend: Backend) async throws {
        let source = MemoryRoomStore()
        _ = try await source.migrate()
        var records = (0..<12).map { simpleRecord("copy\($0)@conference.example.org", name: "C\($0)", isPublic: $0 % 2 == 0) }
        records.append(richRecord())
        try await source.saveAll(records)
        let archived = archivedMessages("copy3@conference.example.org", count: 25)
        try await source.append(archived)
        let expected = records
        try await StoreFixture.with(backend) { (fixture: StoreFixture) async throws in
            // A stale archive in the target is replaced, not merged.
            try await fixture.store.save(simpleRecord("copy3@conference.example.org"))
            try await fixture.store.append(archivedMessages("copy3@conference.example.org", count: 3, idPrefix: "stale"))
            #expect(try await copyRooms(from: source, to: fixture.store, batchSize: 5, archivePage: 7) == expected.count)
            #expect(try await fixture.store.count() == expected.count)
            for record in expected { #expect(try await fixture.store.load(record.jid) == record) }
            let page = try #require(try await fixture.store.query(ArchiveQuery(room: jid("copy3@conference.example.org"), max: 100)))
            #expect(page.messages == archived, "ids, times, stanzas and order kept")
            #expect(try await fixture.store.archiveSize(of: jid("copy4@conference.example.org")).messages == 0)
        }
    }
}
