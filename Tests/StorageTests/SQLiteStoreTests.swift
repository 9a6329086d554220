import Foundation
import MUC
import RoomStore
import SQLiteStore
import Testing
import XMPPCore

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("the file uses WAL with synchronous FULL")
    func durabilitySettings() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SQLiteRoomStore(path: dir.path + "/rooms.sqlite")
        _ = try await store.migrate()
        let settings = try await store.journalSettings()
        #expect(settings.journalMode == "wal")
        #expect(settings.synchronous == 2) // FULL
        await store.close()
    }

    @Test("missing parent directories are created")
    func createsDirectories() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/a/b/c/rooms.sqlite"
        let store = try SQLiteRoomStore(path: path)
        _ = try await store.migrate()
        try await store.save(richRecord())
        await store.close()
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("a path that is a directory is refused with the path in the message")
    func pathIsDirectory() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/rooms.sqlite"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let error = await expectStoreError(.unavailable) { _ = try SQLiteRoomStore(path: path) }
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains("directory") == true)
    }

    @Test("a parent that is a file is refused with the path in the message")
    func parentIsFile() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let file = dir.path + "/plain-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let path = file + "/sub/rooms.sqlite"
        let error = await expectStoreError(.unavailable) { _ = try SQLiteRoomStore(path: path) }
        #expect(error?.message.contains(path) == true)
    }

    @Test("a file that is not a database is reported as corrupt, naming it")
    func corruptFile() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/rooms.sqlite"
        try Data(String(repeating: "this is not an SQLite database. ", count: 200).utf8).write(to: URL(fileURLWithPath: path))
        let error = await expectStoreError(.corrupt) { _ = try SQLiteRoomStore(path: path) }
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains("backup") == true)
    }

    @Test("a read-only store refuses saves clearly and leaves the data as it was")
    func readOnlyRefusesWrites() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/rooms.sqlite"
        let writable = try SQLiteRoomStore(path: path)
        _ = try await writable.migrate()
        let record = richRecord()
        try await writable.save(record)
        await writable.close()

        let readOnly = try SQLiteRoomStore(path: path, readOnly: true)
        #expect(readOnly.isReadOnly)
        #expect(try await readOnly.migrate() == SQLiteRoomStore.currentSchemaVersion)
        #expect(try await readOnly.load(record.jid) == record)
        var changed = record
        changed.subject = "not stored"
        changed.affiliations.removeLast()
        let error = await expectStoreError(.readOnly) { try await readOnly.save(changed) }
        #expect(error?.message.contains(path) == true)
        _ = await expectStoreError(.readOnly) { try await readOnly.save(simpleRecord("new@conference.example.org")) }
        _ = await expectStoreError(.readOnly) { try await readOnly.delete(record.jid) }
        await readOnly.close()

        let reopened = try SQLiteRoomStore(path: path)
        #expect(try await reopened.count() == 1)
        #expect(try await reopened.load(record.jid) == record)
        await reopened.close()
    }

    @Test("opening a missing file read-only does not create it")
    func readOnlyMissing() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/none/rooms.sqlite"
        let error = await expectStoreError(.unavailable) { _ = try SQLiteRoomStore(path: path, readOnly: true) }
        #expect(error?.message.contains(path) == true)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/none"))
    }

    @Test("a read-only store does not migrate an unmigrated file")
    func readOnlyDoesNotMigrate() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/rooms.sqlite"
        let created = try SQLiteRoomStore(path: path)
        #expect(try await created.schemaVersion() == 0)
        await created.close()
        let readOnly = try SQLiteRoomStore(path: path, readOnly: true)
        let error = await expectStoreError(.readOnly) { _ = try await readOnly.migrate() }
        #expect(error?.message.contains(path) == true)
        await readOnly.close()
    }

    @Test("saves made by an instance that was never closed are seen by the next (as after a crash)")
    func survivesUnclosedInstance() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/rooms.sqlite"
        let first = try SQLiteRoomStore(path: path)
        _ = try await first.migrate()
        let record = richRecord()
        try await first.save(record)
        // No close: the commit sits in the WAL, not yet checkpointed into the main file.
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        let second = try SQLiteRoomStore(path: path)
        #expect(try await second.load(record.jid) == record)
        await second.close()
        await first.close()
    }

    @Test("backup writes a consistent copy that opens as a store")
    func backup() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SQLiteRoomStore(path: dir.path + "/rooms.sqlite")
        _ = try await store.migrate()
        let record = richRecord()
        try await store.save(record)
        let copy = dir.path + "/backups/rooms-copy.sqlite"
        try await store.backup(to: copy)
        _ = await expectStoreError(.failed) { try await store.backup(to: copy) }
        await store.close()

        let restored = try SQLiteRoomStore(path: copy, readOnly: true)
        #expect(try await restored.schemaVersion() == SQLiteRoomStore.currentSchemaVersion)
        #expect(try await restored.load(record.jid) == record)
        await restored.close()
    }

    @Test("using the store before migrate fails with a hint, not a crash")
    func unmigrated() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try SQLiteRoomStore(path: dir.path + "/rooms.sqlite")
        _ = await expectStoreError(.failed) { try await store.save(richRecord()) }
        await store.close()
    }

    /// 100 000 rooms: opening a store reads none of them, one room loads on demand, and listings
    /// page through the index. No timing assertions: the counters show what was read.
    @Test("opening a large store loads no rooms; rooms load one at a time")
    func lazyLoadingAtScale() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/rooms.sqlite"
        let total = 100_000
        do {
            let setup = try SQLiteRoomStore(path: path)
            _ = try await setup.migrate()
            let owner = AffiliationRecord(jid: jid("owner@example.org"), affiliation: .owner, nick: "Owner")
            var records: [RoomRecord] = []
            records.reserveCapacity(total)
            for i in 0..<total {
                let room = jid(String(format: "room%06d@conference.example.org", i))
                records.append(RoomRecord(jid: room, config: RoomConfig(name: "Room \(i)", persistent: true, isPublic: i % 2 == 0),
                                          affiliations: [owner], subject: "Subject \(i)"))
            }
            try await setup.saveAll(records)
            #expect(setup.loadsPerformed == 0)
            await setup.close()
        }

        let store = try SQLiteRoomStore(path: path)
        #expect(try await store.migrate() == SQLiteRoomStore.currentSchemaVersion)
        #expect(try await store.count() == total)
        #expect(store.loadsPerformed == 0)

        let page1 = try await store.list(after: nil, limit: 50, publicOnly: false)
        #expect(page1.count == 50)
        #expect(page1.first?.jid == jid("room000000@conference.example.org"))
        let page2 = try await store.list(after: page1.last?.jid, limit: 50, publicOnly: false)
        #expect(page2.first?.jid == jid("room000050@conference.example.org"))
        let deep = try await store.list(after: jid("room099990@conference.example.org"), limit: 50, publicOnly: true)
        #expect(deep.map(\.jid) == [jid("room099992@conference.example.org"), jid("room099994@conference.example.org"),
                                    jid("room099996@conference.example.org"), jid("room099998@conference.example.org")])
        #expect(store.loadsPerformed == 0)

        let one = try await store.load(jid("room054321@conference.example.org"))
        #expect(one?.config.name == "Room 54321")
        #expect(one?.subject == "Subject 54321")
        #expect(one?.affiliations.count == 1)
        #expect(store.loadsPerformed == 1)
        #expect(try await store.load(jid("room100000@conference.example.org")) == nil)
        #expect(store.loadsPerformed == 1)
        await store.close()
    }
}
