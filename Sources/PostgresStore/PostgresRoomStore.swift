import Foundation
import Logging
import MUC
import PostgresNIO
import RoomStore
import XMPPCore

/// Rooms in a PostgreSQL database, through postgres-nio's connection pool.
///
/// The pool's background task is started by `init` and stopped by ``close()``; connections are
/// opened lazily — call ``connect()`` at startup to fail early on a wrong address or password.
/// Every call is bounded by ``PostgresStoreConfiguration/operationTimeout``; when the pool cannot
/// hand out a connection quickly the store probes the server directly, so an unreachable server
/// is reported within moments, naming host:port.
public final class PostgresRoomStore: RoomStore, @unchecked Sendable {
    /// The schema version this build migrates to.
    public static let currentSchemaVersion = PostgresSchema.currentVersion

    public let configuration: PostgresStoreConfiguration
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    let logger: Logger
    private let state = PostgresStoreState()

    /// How long an operation waits for a pooled connection before probing the server itself.
    private static let probeAfter: Duration = .milliseconds(200)

    /// Creates the pool and starts its background task. No connection is made yet.
    /// - Parameter logger: receives the pool's background messages (none when nil).
    public init(configuration: PostgresStoreConfiguration, logger: Logger? = nil) throws {
        self.configuration = configuration
        self.logger = logger ?? Logger(label: "muc.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        var clientConfig: PostgresClient.Configuration
        if configuration.isUnixSocket {
            clientConfig = PostgresClient.Configuration(unixSocketPath: configuration.socketPath,
                                                        username: configuration.username,
                                                        password: configuration.password,
                                                        database: configuration.database)
        } else {
            clientConfig = PostgresClient.Configuration(host: configuration.host, port: configuration.port,
                                                        username: configuration.username,
                                                        password: configuration.password,
                                                        database: configuration.database,
                                                        tls: try Self.clientTLS(configuration))
        }
        clientConfig.options.maximumConnections = max(1, configuration.maximumConnections)
        clientConfig.options.connectTimeout = configuration.operationTimeout
        // Shows up in pg_stat_activity, so a DBA can tell whose connections these are.
        clientConfig.options.additionalStartupParameters = [("application_name", "muc-component")]
        let client = PostgresClient(configuration: clientConfig, backgroundLogger: self.logger)
        self.client = client
        runTask = Task { await client.run() }
    }

    /// Number of room records read from the database (`load` calls that found a room).
    public var loadsPerformed: Int { state.loads }

    /// Checks that the server answers and accepts the credentials.
    public func connect() async throws {
        _ = try await run("connecting") { connection in
            try await connection.query("SELECT 1", logger: self.logger)
        }
    }

    // MARK: RoomStore

    public func migrate() async throws -> Int {
        let logger = self.logger
        let endpoint = configuration.endpoint
        return try await run("migrating the schema") { connection in
            try await connection.withTransaction(logger: logger) { tx in
                try await tx.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLockKey))", logger: logger)
                try await tx.query(PostgresQuery(unsafeSQL: PostgresSchema.createMigrationsTable), logger: logger)
                var version = try await Self.appliedVersion(tx, logger: logger)
                if version > Self.currentSchemaVersion {
                    throw RoomStoreError(.schemaTooNew, "PostgreSQL at \(endpoint) has room schema version \(version), newer "
                        + "than this build knows (\(Self.currentSchemaVersion)). Run the newer muc-component.")
                }
                for migration in PostgresSchema.migrations where migration.version > version {
                    for statement in migration.statements {
                        try await tx.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await tx.query("INSERT INTO schema_migrations (version) VALUES (\(migration.version))", logger: logger)
                    version = migration.version
                }
                return version
            }
        }
    }

    public func schemaVersion() async throws -> Int {
        let logger = self.logger
        return try await run("reading the schema version") { connection in
            let rows = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
            var exists = false
            for try await flag in rows.decode(Bool.self) { exists = flag }
            guard exists else { return 0 }
            return try await Self.appliedVersion(connection, logger: logger)
        }
    }

    public func load(_ room: BareJID) async throws -> RoomRecord? {
        let logger = self.logger
        let place = "PostgreSQL at \(configuration.endpoint)"
        let key = room.description
        let record: RoomRecord? = try await run("loading room \(room)") { connection in
            // One statement, so the room and its affiliations come from the same snapshot.
            let rows = try await connection.query("""
                SELECT r.record::text,
                       (SELECT coalesce(json_agg(json_build_array(a.jid, a.affiliation, a.nick, a.reason)
                                                 ORDER BY a.jid COLLATE "C"), '[]'::json)::text
                          FROM affiliations a WHERE a.room = r.jid)
                  FROM rooms r WHERE r.jid = \(key)
                """, logger: logger)
            var found: (String, String)?
            for try await row in rows.decode((String, String).self) { found = row }
            guard let (json, affiliationsJSON) = found else { return nil }
            let document = try RoomDocument.decode(json, room: key, place: place)
            let affiliations = try PostgresRows.decodeAffiliations(affiliationsJSON, room: key, place: place)
            return document.record(jid: room, affiliations: affiliations)
        }
        if record != nil { state.countLoad() }
        return record
    }

    public func save(_ record: RoomRecord, changes: RoomChanges) async throws {
        let json = try RoomDocument(record).jsonText()
        let logger = self.logger
        try await runWrite("saving room \(record.jid)", records: [record]) { connection in
            try await connection.withTransaction(logger: logger) { tx in
                try await PostgresRows.write(record, json: json, changes: changes, on: tx, logger: logger)
            }
        }
    }

    public func saveAll(_ records: [RoomRecord]) async throws {
        guard !records.isEmpty else { return }
        var documents: [String] = []
        documents.reserveCapacity(records.count)
        for record in records { documents.append(try RoomDocument(record).jsonText()) }
        let encoded = documents
        let logger = self.logger
        try await runWrite("saving \(records.count) rooms", records: records) { connection in
            try await connection.withTransaction(logger: logger) { tx in
                for (record, json) in zip(records, encoded) {
                    try await PostgresRows.write(record, json: json, changes: .everything, on: tx, logger: logger)
                }
            }
        }
    }

    public func delete(_ room: BareJID) async throws {
        let key = room.description
        let logger = self.logger
        _ = try await run("deleting room \(room)") { connection in
            // The affiliations go with the room (ON DELETE CASCADE), the archive in the same
            // statement: one transaction.
            try await connection.query("WITH gone AS (DELETE FROM archive WHERE room = \(key)) DELETE FROM rooms WHERE jid = \(key)",
                                       logger: logger)
        }
    }

    public func list(after cursor: BareJID?, limit: Int, publicOnly: Bool) async throws -> [RoomSummary] {
        guard limit > 0 else { return [] }
        let logger = self.logger
        let place = "PostgreSQL at \(configuration.endpoint)"
        return try await run("listing rooms") { connection in
            let filter = publicOnly ? " AND is_public" : ""
            var binds = PostgresBindings()
            let sql: String
            if let cursor {
                binds.append(cursor.description)
                binds.append(limit)
                sql = "SELECT jid, name, is_public FROM rooms WHERE jid > $1\(filter) ORDER BY jid LIMIT $2"
            } else {
                binds.append(limit)
                sql = "SELECT jid, name, is_public FROM rooms WHERE true\(filter) ORDER BY jid LIMIT $1"
            }
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            var result: [RoomSummary] = []
            result.reserveCapacity(limit)
            for try await (jidText, name, isPublic) in rows.decode((String, String, Bool).self) {
                guard let jid = try? BareJID(jidText) else {
                    throw RoomStoreError(.corrupt, "\(place): stored room JID '\(jidText)' is invalid; fix or delete that row in the rooms table.")
                }
                result.append(RoomSummary(jid: jid, name: name, isPublic: isPublic))
            }
            return result
        }
    }

    public func count() async throws -> Int {
        let logger = self.logger
        return try await run("counting rooms") { connection in
            let rows = try await connection.query("SELECT count(*) FROM rooms", logger: logger)
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }

    /// Stops the pool: open connections are closed and the background task ends.
    public func close() async {
        guard state.markClosed() else { return }
        runTask.cancel()
        await runTask.value
    }

    // MARK: Running operations

    /// Runs `body` on a pooled connection, bounded by the operation timeout, with every failure
    /// mapped to a ``RoomStoreError`` naming host:port.
    func run<T>(_ action: String, _ body: @escaping (PostgresConnection) async throws -> T) async throws -> T {
        if state.isClosed {
            throw RoomStoreError(.closed, "PostgreSQL store for \(configuration.endpoint) is closed")
        }
        let config = configuration
        let client = self.client
        let race = OperationRace<T>()
        let start = ContinuousClock.now

        let work = Task {
            do {
                let value = try await client.withConnection { connection in
                    try await body(connection)
                }
                race.finish(.success(value))
            } catch {
                race.finish(.failure(PostgresErrors.map(error, config: config, doing: action)))
            }
        }
        // Slow so far: ask the server directly (a fresh connection) whether it is there at all,
        // at growing intervals. A refusal decides the race at once; a healthy server leaves it to
        // the operation or the deadline. (The pool itself would keep retrying for a minute.)
        let prober = Task {
            var interval = Self.probeAfter
            var next = start + interval
            let deadline = start + config.operationTimeout
            while next < deadline {
                try? await Task.sleep(until: next, clock: .continuous)
                if Task.isCancelled || race.isFinished { return }
                if let probe = self.state.probe(now: .now, start: { Task { await self.probe(action) } }),
                   let problem = await probe.value {
                    race.finish(.failure(problem))
                    return
                }
                interval = interval * 2
                next = next + interval
            }
        }
        let deadline = Task {
            try? await Task.sleep(until: start + config.operationTimeout, clock: .continuous)
            if Task.isCancelled { return }
            race.finish(.failure(RoomStoreError(.unavailable, "PostgreSQL at \(config.endpoint) did not complete \(action) "
                + "within \(config.operationTimeout); check the server's load and the network.")))
        }
        race.track(work)
        race.track(prober)
        race.track(deadline)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in race.install(continuation) }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// A write: a refusal by a constraint is explained in the record's terms when possible.
    private func runWrite(_ action: String, records: [RoomRecord], _ body: @escaping (PostgresConnection) async throws -> Void) async throws {
        do {
            try await run(action, body)
        } catch let error as RoomStoreError where error.kind == .invalidRecord {
            for record in records { try record.validateForStorage() }
            throw error
        }
    }

    /// Opens one connection outside the pool to learn whether the server is there. Returns the
    /// mapped error, or nil when the server is reachable and the credentials are good.
    private func probe(_ action: String) async -> RoomStoreError? {
        defer { state.probeEnded() }
        var connectionConfig: PostgresConnection.Configuration
        if configuration.isUnixSocket {
            connectionConfig = .init(unixSocketPath: configuration.socketPath, username: configuration.username,
                                     password: configuration.password, database: configuration.database)
        } else {
            do {
                connectionConfig = .init(host: configuration.host, port: configuration.port, username: configuration.username,
                                         password: configuration.password, database: configuration.database,
                                         tls: try Self.connectionTLS(configuration))
            } catch {
                return PostgresErrors.map(error, config: configuration, doing: action)
            }
        }
        let timeout = min(configuration.operationTimeout, .seconds(5)).components
        connectionConfig.options.connectTimeout = .seconds(max(1, timeout.seconds))
        do {
            let connection = try await PostgresConnection.connect(configuration: connectionConfig, id: state.nextProbeID(), logger: logger)
            try? await connection.close()
            state.probeSucceeded(at: .now)
            return nil
        } catch {
            // Whatever the server said, it gives us no connection: the store is unavailable.
            let mapped = PostgresErrors.map(error, config: configuration, doing: action)
            return RoomStoreError(.unavailable, mapped.message)
        }
    }

    private static func appliedVersion(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query("SELECT coalesce(max(version), 0)::int8 FROM schema_migrations", logger: logger)
        var version = 0
        for try await value in rows.decode(Int.self) { version = value }
        return version
    }

    private static func clientTLS(_ config: PostgresStoreConfiguration) throws -> PostgresClient.Configuration.TLS {
        switch config.effectiveTLS {
        case .disable, .automatic: return .disable
        case .prefer: return .prefer(.makeClientConfiguration())
        case .require: return .require(.makeClientConfiguration())
        }
    }

    private static func connectionTLS(_ config: PostgresStoreConfiguration) throws -> PostgresConnection.Configuration.TLS {
        switch config.effectiveTLS {
        case .disable, .automatic: return .disable
        case .prefer: return .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }
}

/// Mutable bits of a store shared across tasks, behind a lock.
final class PostgresStoreState: @unchecked Sendable {
    private let lock = NSLock()
    private var closed = false
    private var loadCount = 0
    private var probeID = 1_000_000
    private var currentProbe: Task<RoomStoreError?, Never>?
    private var lastGoodProbe: ContinuousClock.Instant?

    /// A healthy server is trusted for a moment: slow operations in a burst share one probe,
    /// and a loaded server gets at most about one probe connection a second.
    private static let probeValidity: Duration = .seconds(1)

    var isClosed: Bool { lock.withLock { closed } }
    var loads: Int { lock.withLock { loadCount } }

    func countLoad() { lock.withLock { loadCount += 1 } }

    func nextProbeID() -> Int {
        lock.withLock {
            probeID += 1
            return probeID
        }
    }

    /// The probe a slow operation should wait for: the one under way, or a new one made by
    /// `start`; nil when a probe succeeded moments ago (a loaded server is not sent more work).
    func probe(now: ContinuousClock.Instant, start: () -> Task<RoomStoreError?, Never>) -> Task<RoomStoreError?, Never>? {
        lock.withLock {
            if let currentProbe { return currentProbe }
            if let lastGoodProbe, lastGoodProbe.duration(to: now) < Self.probeValidity { return nil }
            let task = start()
            currentProbe = task
            return task
        }
    }

    func probeSucceeded(at instant: ContinuousClock.Instant) {
        lock.withLock { lastGoodProbe = instant }
    }

    func probeEnded() {
        lock.withLock { currentProbe = nil }
    }

    /// Marks the store closed; false when it already was.
    func markClosed() -> Bool {
        lock.withLock {
            if closed { return false }
            closed = true
            return true
        }
    }
}
