import MUC
import RoomStore
import Testing
import XMPPCore

@Suite("Memory store")
struct MemoryStoreTests {
    @Test("failNextWrites fails exactly that many writes and stores nothing for them")
    func failNextWrites() async throws {
        let store = MemoryRoomStore()
        _ = try await store.migrate()
        let record = richRecord()
        await store.failNextWrites(2)
        let error = await expectStoreError(.unavailable) { try await store.save(record) }
        #expect(error?.message.contains("simulated") == true)
        _ = await expectStoreError(.unavailable) { try await store.delete(record.jid) }
        #expect(try await store.load(record.jid) == nil)
        try await store.save(record)
        #expect(try await store.load(record.jid) == record)
        #expect(await store.writesPerformed == 1)
    }

    @Test("setUnavailable fails every operation until switched off")
    func unavailable() async throws {
        let store = MemoryRoomStore()
        _ = try await store.migrate()
        try await store.save(richRecord())
        await store.setUnavailable(true)
        _ = await expectStoreError(.unavailable) { _ = try await store.load(richRecord().jid) }
        _ = await expectStoreError(.unavailable) { _ = try await store.count() }
        _ = await expectStoreError(.unavailable) { try await store.save(simpleRecord("x@conference.example.org")) }
        await store.setUnavailable(false)
        #expect(try await store.count() == 1)
    }

    @Test("reopened keeps the data and resets the counters")
    func reopened() async throws {
        let store = MemoryRoomStore()
        _ = try await store.migrate()
        try await store.save(richRecord())
        _ = try await store.load(richRecord().jid)
        #expect(await store.loadsPerformed == 1)
        await store.close()
        let again = await store.reopened()
        #expect(await again.loadsPerformed == 0)
        #expect(try await again.schemaVersion() == MemoryRoomStore.currentSchemaVersion)
        #expect(try await again.load(richRecord().jid) == richRecord())
    }

    @Test("an affiliation of 'none' is refused")
    func noneAffiliation() async throws {
        var record = richRecord()
        record.affiliations.append(AffiliationRecord(jid: jid("x@example.org"), affiliation: .none))
        #expect(throws: RoomStoreError.self) { try record.validateForStorage() }
    }
}
