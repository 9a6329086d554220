import MUC
import XMPPCore

/// Where persistent rooms live. The room machine stays pure: it emits persistence actions and the
/// runtime carries them out through a store. Temporary rooms are never written.
///
/// Every method is one transaction: a save either stores the whole record or nothing.
/// Failures are thrown as ``RoomStoreError`` whose message names the place (file path or
/// host:port) and what an operator can do about it.
public protocol RoomStore: ArchiveStore {
    /// Creates the schema or migrates it to the current version; returns the version now in place.
    func migrate() async throws -> Int
    /// The schema version in place (0 when the store is empty and was never migrated).
    func schemaVersion() async throws -> Int
    /// One room's durable state, or nil when it is not stored.
    func load(_ room: BareJID) async throws -> RoomRecord?
    /// Stores the room's durable state in one transaction: its own row always, and the affiliation
    /// rows that `changes` names (all of them for ``RoomChanges/everything``: insert or replace).
    func save(_ record: RoomRecord, changes: RoomChanges) async throws
    /// Removes a room and its message archive in one transaction; removing a room that is not
    /// stored is not an error.
    func delete(_ room: BareJID) async throws
    /// Rooms in JID order after `cursor` (exclusive), at most `limit`, optionally only public ones.
    /// The order is the byte order of the JIDs' UTF-8 strings, the same in every backend.
    func list(after cursor: BareJID?, limit: Int, publicOnly: Bool) async throws -> [RoomSummary]
    /// Number of stored rooms.
    func count() async throws -> Int
    /// Releases connections and files.
    func close() async
    /// Stores several rooms in one transaction (bulk import). Either all are stored or none.
    func saveAll(_ records: [RoomRecord]) async throws
}

extension RoomStore {
    /// Stores the room's whole durable state (insert or replace) in one transaction.
    public func save(_ record: RoomRecord) async throws {
        try await save(record, changes: .everything)
    }

    /// Fallback for stores written before `saveAll` existed: one save per record, so a failure
    /// part-way leaves the earlier records stored. The stores of this package override it.
    public func saveAll(_ records: [RoomRecord]) async throws {
        for record in records { try await save(record) }
    }
}

extension RoomRecord {
    /// Of the JIDs `changed` names, those the record holds (with their position in it, to write)
    /// and those it no longer holds (to delete): what a partial save writes.
    public func split(_ changed: [BareJID]) -> (kept: [(position: Int, entry: AffiliationRecord)], removed: [BareJID]) {
        let names = Set(changed)
        var kept: [(position: Int, entry: AffiliationRecord)] = []
        var present: Set<BareJID> = []
        for (position, entry) in affiliations.enumerated() where names.contains(entry.jid) {
            kept.append((position, entry))
            present.insert(entry.jid)
        }
        return (kept, changed.filter { !present.contains($0) })
    }
}
