import MUC
import XMPPCore

/// A store that keeps rooms in memory, for tests. It behaves like the durable backends (same
/// ordering, same refusals, one "transaction" per call) and can be told to fail, so that the
/// runtime's tests can check what an owner is told when storage breaks.
public actor MemoryRoomStore: RoomStore {
    /// The schema version the durable backends reach; reported after `migrate()` for symmetry.
    public static let currentSchemaVersion = 2

    private var rooms: [BareJID: RoomRecord]
    private var version: Int
    private var closed = false
    private var unavailable = false
    private var writesToFail = 0
    /// Archived messages by room, oldest first, with their position in the whole archive.
    var archives: [BareJID: [(position: Int, message: ArchivedMessage)]] = [:]
    var archiveSequence = 0
    /// While set, writes wait here until `releaseWrites()`.
    private var stalled = false
    private var stalledWriters: [CheckedContinuation<Void, Never>] = []

    /// Number of records handed out by `load` (rooms actually read, not listings).
    public private(set) var loadsPerformed = 0
    /// Number of successful `save`, `saveAll` and `delete` calls.
    public private(set) var writesPerformed = 0

    /// An empty store, not yet migrated.
    public init() {
        rooms = [:]
        version = 0
    }

    private init(rooms: [BareJID: RoomRecord], version: Int, archives: [BareJID: [(position: Int, message: ArchivedMessage)]],
                 archiveSequence: Int) {
        self.rooms = rooms
        self.version = version
        self.archives = archives
        self.archiveSequence = archiveSequence
    }

    /// A new store holding what this one holds now, as if the process had restarted on the same
    /// data. The counters and failure switches start afresh.
    public func reopened() -> MemoryRoomStore {
        MemoryRoomStore(rooms: rooms, version: version, archives: archives, archiveSequence: archiveSequence)
    }

    // MARK: Failure simulation

    /// Makes the next `count` writes (`save`, `saveAll`, `delete`) throw `.unavailable` without
    /// changing anything.
    public func failNextWrites(_ count: Int = 1) {
        writesToFail = max(0, count)
    }

    /// Makes writes (`save`, `saveAll`, `delete`) wait until `releaseWrites()`, as on a database
    /// whose disk is frozen or whose lock another process holds.
    public func stallWrites() {
        stalled = true
    }

    /// Lets the stalled writes go on, in the order they came.
    public func releaseWrites() {
        stalled = false
        let waiting = stalledWriters
        stalledWriters = []
        for w in waiting { w.resume() }
    }

    /// Writes waiting in `stallWrites()`.
    public var stalledWriteCount: Int { stalledWriters.count }

    /// While on, every operation throws `.unavailable`, as if the database were unreachable.
    public func setUnavailable(_ on: Bool) {
        unavailable = on
    }

    // MARK: RoomStore

    public func migrate() throws -> Int {
        try checkReachable()
        version = Self.currentSchemaVersion
        return version
    }

    public func schemaVersion() throws -> Int {
        try checkReachable()
        return version
    }

    public func load(_ room: BareJID) throws -> RoomRecord? {
        try checkReachable()
        guard let record = rooms[room] else { return nil }
        loadsPerformed += 1
        return record
    }

    /// Like the SQL backends' rows: the room's own fields come from `record`; of its affiliations,
    /// only those `changes` names are taken from it, the others stay as stored.
    public func save(_ record: RoomRecord, changes: RoomChanges) async throws {
        await waitWhileStalled()
        try checkWritable()
        try record.validateForStorage()
        var merged = record
        if let changed = changes.affiliations, let stored = rooms[record.jid] {
            let names = Set(changed)
            merged.affiliations = stored.affiliations.filter { !names.contains($0.jid) }
                + record.affiliations.filter { names.contains($0.jid) }
            merged.affiliations.sort { $0.jid < $1.jid }
        }
        rooms[record.jid] = merged
        writesPerformed += 1
    }

    public func saveAll(_ records: [RoomRecord]) async throws {
        await waitWhileStalled()
        try checkWritable()
        // Validate everything first: all or nothing.
        for record in records { try record.validateForStorage() }
        for record in records { rooms[record.jid] = record }
        writesPerformed += 1
    }

    public func delete(_ room: BareJID) async throws {
        await waitWhileStalled()
        try checkWritable()
        rooms[room] = nil
        archives[room] = nil
        writesPerformed += 1
    }

    public func list(after cursor: BareJID?, limit: Int, publicOnly: Bool) throws -> [RoomSummary] {
        try checkReachable()
        guard limit > 0 else { return [] }
        var picked: [RoomRecord] = []
        for record in rooms.values {
            if publicOnly && !record.config.isPublic { continue }
            if let cursor, !(cursor < record.jid) { continue }
            picked.append(record)
        }
        picked.sort { $0.jid < $1.jid }
        return picked.prefix(limit).map { RoomSummary(jid: $0.jid, name: $0.config.name, isPublic: $0.config.isPublic) }
    }

    public func count() throws -> Int {
        try checkReachable()
        return rooms.count
    }

    public func close() {
        closed = true
    }

    // MARK: Private

    func checkReachable() throws(RoomStoreError) {
        if closed { throw RoomStoreError(.closed, "memory room store is closed") }
        if unavailable { throw RoomStoreError(.unavailable, "memory room store is unavailable (simulated)") }
    }

    func waitWhileStalled() async {
        guard stalled else { return }
        await withCheckedContinuation { stalledWriters.append($0) }
    }

    func checkWritable() throws(RoomStoreError) {
        try checkReachable()
        if writesToFail > 0 {
            writesToFail -= 1
            throw RoomStoreError(.unavailable, "memory room store refused the write (simulated failure)")
        }
    }
}
