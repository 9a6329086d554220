import Foundation
import GRDB
import MUC
import RoomStore
import XMPPCore

/// The embedded default store: one SQLite file, opened through GRDB.
///
/// Durability: WAL journal with `synchronous = FULL`, so every committed save has reached the disk
/// before `save` returns — an acknowledged change survives a crash or a power cut. All database
/// work runs on GRDB's own queues, never on the caller's thread. Opening the store reads no rooms:
/// rooms are loaded one at a time, when asked for.
public final class SQLiteRoomStore: RoomStore, @unchecked Sendable {
    /// The schema version this build migrates to.
    public static let currentSchemaVersion = SQLiteSchema.currentVersion

    /// The database file.
    public let path: String
    /// Whether the store was opened read-only (no writes, no migrations).
    public let isReadOnly: Bool

    let writer: any DatabaseWriter
    private let migrator = SQLiteSchema.makeMigrator()
    private let state = SQLiteStoreState()

    /// Opens (or creates) the database file at `path`, creating its directory if missing.
    /// With `readOnly`, the file must exist and nothing is ever written to it (for inspection
    /// and export while another process owns it). Call ``migrate()`` before use.
    ///
    /// - Throws: ``RoomStoreError`` naming the path: `.unavailable` when the location cannot hold
    ///   the file, `.corrupt` when the file is not a readable SQLite database.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        self.isReadOnly = readOnly
        try SQLiteErrors.prepareLocation(path, readOnly: readOnly)

        var config = Configuration()
        config.label = "muc-rooms"
        config.readonly = readOnly
        config.foreignKeysEnabled = true
        // Another process (a backup, the sqlite3 shell) may hold the lock for a moment.
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            // FULL: the WAL is fsynced at every commit (NORMAL could lose the last commits on power loss).
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            if readOnly {
                // A read-only pool would need the -shm file to exist; a queue does not.
                writer = try DatabaseQueue(path: path, configuration: config)
            } else {
                // DatabasePool switches the file to WAL mode and lets reads run beside the writer.
                let pool = try DatabasePool(path: path, configuration: config)
                // GRDB lowers the writer to NORMAL when it enables WAL (after prepareDatabase):
                // raise it again on the one connection that commits.
                try pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                    // The archive's group commits touch six B-trees at positions spread over every
                    // busy room; with SQLite's default 2 MiB page cache the writer spilled and
                    // re-read pages inside each transaction (6 writes and 4 reads per message
                    // under `strace -c`). 64 MiB on the one writing connection, allocated as used.
                    try db.execute(sql: "PRAGMA cache_size = -65536")
                    try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
                }
                writer = pool
            }
            // Opening is lazy about the file's contents; read the header now so a damaged file is
            // reported at startup rather than at the first room.
            _ = try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        } catch {
            throw SQLiteErrors.map(error, path: path, doing: "opening")
        }
    }

    /// Number of room records read from the database (`load` calls that found a room). Listings
    /// and counts do not load rooms.
    public var loadsPerformed: Int { state.loads }

    // MARK: RoomStore

    public func migrate() async throws -> Int {
        let migrator = self.migrator
        return try await perform("migrating the schema") {
            let (current, superseded) = try await self.writer.read { db in
                (try Self.version(of: db, migrator: migrator), try migrator.hasBeenSuperseded(db))
            }
            if current > Self.currentSchemaVersion || superseded {
                throw RoomStoreError(.schemaTooNew, "room database \(self.path) has schema version \(current), "
                    + "newer than this build knows (\(Self.currentSchemaVersion)). Run the newer muc-component, "
                    + "or restore a backup made by this version.")
            }
            if current == Self.currentSchemaVersion { return current }
            if self.isReadOnly {
                throw RoomStoreError(.readOnly, "room database \(self.path) has schema version \(current) and needs "
                    + "\(Self.currentSchemaVersion), but it was opened read-only. Open it writable once to migrate it.")
            }
            let version = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, Error>) in
                migrator.asyncMigrate(self.writer) { result in
                    switch result {
                    case .success(let db):
                        continuation.resume(with: Result { try Self.version(of: db, migrator: migrator) })
                    case .failure(let error):
                        continuation.resume(throwing: error)
                    }
                }
            }
            // The file may be new: make its directory entry durable along with the first commits.
            syncDirectory((self.path as NSString).deletingLastPathComponent.isEmpty
                ? "." : (self.path as NSString).deletingLastPathComponent)
            return version
        }
    }

    public func schemaVersion() async throws -> Int {
        let migrator = self.migrator
        return try await perform("reading the schema version") {
            try await self.writer.read { db in try Self.version(of: db, migrator: migrator) }
        }
    }

    public func load(_ room: BareJID) async throws -> RoomRecord? {
        let path = self.path
        let record = try await perform("loading room \(room)") {
            try await self.writer.read { db in try SQLiteRows.loadRecord(room, db: db, path: path) }
        }
        if record != nil { state.countLoad() }
        return record
    }

    public func save(_ record: RoomRecord, changes: RoomChanges) async throws {
        let json = try RoomDocument(record).jsonText()
        try await perform("saving room \(record.jid)", record: record) {
            try await self.writer.write { db in try SQLiteRows.write(record, json: json, changes: changes, db: db) }
        }
    }

    public func saveAll(_ records: [RoomRecord]) async throws {
        guard !records.isEmpty else { return }
        var documents: [String] = []
        documents.reserveCapacity(records.count)
        for record in records { documents.append(try RoomDocument(record).jsonText()) }
        let encoded = documents
        try await perform("saving \(records.count) rooms", records: records) {
            try await self.writer.write { db in
                for (record, json) in zip(records, encoded) { try SQLiteRows.write(record, json: json, changes: .everything, db: db) }
            }
        }
    }

    public func delete(_ room: BareJID) async throws {
        let key = room.description
        try await perform("deleting room \(room)") {
            try await self.writer.write { db in
                try db.cachedStatement(sql: "DELETE FROM affiliations WHERE room = ?").execute(arguments: [key])
                try db.cachedStatement(sql: "DELETE FROM rooms WHERE jid = ?").execute(arguments: [key])
                try db.cachedStatement(sql: "DELETE FROM archive WHERE room = ?").execute(arguments: [key])
            }
        }
    }

    public func list(after cursor: BareJID?, limit: Int, publicOnly: Bool) async throws -> [RoomSummary] {
        guard limit > 0 else { return [] }
        let path = self.path
        return try await perform("listing rooms") {
            try await self.writer.read { db in
                try SQLiteRows.list(after: cursor, limit: limit, publicOnly: publicOnly, db: db, path: path)
            }
        }
    }

    public func count() async throws -> Int {
        try await perform("counting rooms") {
            try await self.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM rooms") ?? 0 }
        }
    }

    public func close() async {
        guard state.markClosed() else { return }
        // Closing the last connection checkpoints the WAL into the main file.
        try? writer.close()
    }

    // MARK: Extras

    /// Writes a consistent copy of the database to `destination` with SQLite's online backup API,
    /// while the service keeps running. The destination must not exist yet.
    public func backup(to destination: String) async throws {
        if FileManager.default.fileExists(atPath: destination) {
            throw RoomStoreError(.failed, "backup target \(destination) already exists; choose a new file name.")
        }
        try SQLiteErrors.prepareLocation(destination, readOnly: false)
        let source = writer
        try await perform("backing up to \(destination)") {
            try await Task.detached {
                let target = try DatabaseQueue(path: destination)
                try source.backup(to: target)
                try target.close()
            }.value
        }
    }

    /// The journal mode and `synchronous` level in force (for a startup log line and tests):
    /// `("wal", 2)` means WAL with synchronous FULL.
    public func journalSettings() async throws -> (journalMode: String, synchronous: Int) {
        try await perform("reading the journal settings") {
            // The writer's connection is the one whose settings make commits durable.
            try await self.writer.writeWithoutTransaction { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?",
                 try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
            }
        }
    }

    // MARK: Private

    private static func version(of db: Database, migrator: DatabaseMigrator) throws -> Int {
        try migrator.appliedIdentifiers(db).compactMap(SQLiteSchema.version(of:)).max() ?? 0
    }

    /// Runs `body` if the store is open and maps every failure to a ``RoomStoreError`` naming the file.
    /// For writes refused by a constraint, `records` lets the error say which rule was broken.
    func perform<T>(_ action: @autoclosure () -> String, record: RoomRecord? = nil, records: [RoomRecord] = [],
                            _ body: () async throws -> T) async throws -> T {
        if state.isClosed { throw RoomStoreError(.closed, "room database \(path) is closed") }
        do {
            return try await body()
        } catch {
            let mapped = SQLiteErrors.map(error, path: path, doing: action())
            if mapped.kind == .invalidRecord {
                // The transaction was rolled back; explain the refusal in the record's terms if we can.
                if let record { try record.validateForStorage() }
                for record in records { try record.validateForStorage() }
            }
            throw mapped
        }
    }
}

/// Mutable bits of a store shared across tasks, behind a lock.
final class SQLiteStoreState: @unchecked Sendable {
    private let lock = NSLock()
    private var closed = false
    private var loadCount = 0

    var isClosed: Bool { lock.withLock { closed } }
    var loads: Int { lock.withLock { loadCount } }

    func countLoad() { lock.withLock { loadCount += 1 } }

    /// Marks the store closed; false when it already was.
    func markClosed() -> Bool {
        lock.withLock {
            if closed { return false }
            closed = true
            return true
        }
    }
}
