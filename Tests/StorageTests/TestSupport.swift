import Foundation
import MUC
import PostgresStore
import RoomStore
import SQLiteStore
import Testing
import XMPPCore

/// The backends the behavioural suite runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, sqlite, postgres

    var testDescription: String { rawValue }

    /// The backends this run can exercise: PostgreSQL only with the throwaway server.
    static var available: [Backend] {
        PostgresTestServer.isConfigured ? allCases : [.memory, .sqlite]
    }
}

/// The throwaway server started by `scripts/with-postgres.sh` (`make test-postgres`), if any.
enum PostgresTestServer {
    /// Why PostgreSQL cases do not run without the script.
    static let notConfigured: Comment = """
        PostgreSQL not tested: MUC_TEST_POSTGRES is unset. Run `make test-postgres` \
        (scripts/with-postgres.sh swift test --filter StorageTests).
        """

    struct Spec {
        var host: String
        var port: Int
        var user: String
        var database: String
    }

    /// Parsed from `MUC_TEST_POSTGRES=host:port:user:database`.
    static let spec: Spec? = {
        guard let value = ProcessInfo.processInfo.environment["MUC_TEST_POSTGRES"], !value.isEmpty else { return nil }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let port = Int(parts[1]) else { return nil }
        return Spec(host: parts[0], port: port, user: parts[2], database: parts[3])
    }()

    static var isConfigured: Bool { spec != nil }

    /// A store configuration for `database` on the test server.
    static func configuration(database: String, timeout: Duration = .seconds(20)) throws -> PostgresStoreConfiguration {
        let spec = try #require(spec, notConfigured)
        return PostgresStoreConfiguration(host: spec.host, port: spec.port, username: spec.user,
                                          database: database, operationTimeout: timeout)
    }

    /// Creates a fresh, empty database so that tests running in parallel do not see each other.
    static func createDatabase() async throws -> String {
        let name = "muc_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs one SQL command through psql as the test server's superuser. The wait for psql happens
    /// on a thread of its own: blocking the few threads of Swift's cooperative pool (two on this
    /// machine) while many tests create databases at once stalls every other test's connection
    /// set-up until the store's 5-second connect timeout fires.
    static func psql(_ sql: String, database: String? = nil) async throws {
        let spec = try #require(spec, notConfigured)
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                done.resume(with: Result { try runPsql(sql, spec: spec, database: database) })
            }
        }
    }

    struct PsqlFailure: Error, CustomStringConvertible {
        let description: String
    }

    private static func runPsql(_ sql: String, spec: Spec, database: String?) throws {
        let process = Process()
        let psqlPath = ProcessInfo.processInfo.environment["MUC_TEST_PSQL"] ?? "/usr/bin/psql"
        process.executableURL = URL(fileURLWithPath: psqlPath)
        process.arguments = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", spec.host, "-p", String(spec.port),
                             "-U", spec.user, "-d", database ?? spec.database, "-c", sql]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if process.terminationStatus != 0 {
            throw PsqlFailure(description: "psql failed (\(process.terminationStatus)) on \(sql): \(message)")
        }
    }
}

/// A store under test, and the means to open the same data again as a new instance.
final class StoreFixture {
    let backend: Backend
    private(set) var store: any RoomStore
    private let open: () async throws -> any RoomStore
    private let cleanup: () -> Void

    private init(backend: Backend, store: any RoomStore, open: @escaping () async throws -> any RoomStore,
                 cleanup: @escaping () -> Void) {
        self.backend = backend
        self.store = store
        self.open = open
        self.cleanup = cleanup
    }

    /// Closes the current instance and opens a new one on the same data (a restart).
    @discardableResult
    func reopen() async throws -> any RoomStore {
        let old = store
        await old.close()
        store = try await open()
        return store
    }

    static func make(_ backend: Backend) async throws -> StoreFixture {
        switch backend {
        case .memory:
            let memory = MemoryRoomStore()
            var current = memory
            let fixture = StoreFixture(backend: backend, store: memory, open: {
                current = await current.reopened()
                return current
            }, cleanup: {})
            return fixture
        case .sqlite:
            let dir = TempDirectory()
            let path = dir.path + "/data/rooms.sqlite"
            let store = try SQLiteRoomStore(path: path)
            return StoreFixture(backend: backend, store: store, open: { try SQLiteRoomStore(path: path) },
                                cleanup: { dir.remove() })
        case .postgres:
            let database = try await PostgresTestServer.createDatabase()
            let config = try PostgresTestServer.configuration(database: database)
            let store = try PostgresRoomStore(configuration: config)
            return StoreFixture(backend: backend, store: store, open: { try PostgresRoomStore(configuration: config) },
                                cleanup: {})
        }
    }

    /// Runs `body` with a fresh store of `backend`, then closes it and removes its files.
    static func with(_ backend: Backend, migrated: Bool = true, _ body: (StoreFixture) async throws -> Void) async throws {
        let fixture = try await make(backend)
        do {
            if migrated { _ = try await fixture.store.migrate() }
            try await body(fixture)
        } catch {
            await fixture.store.close()
            fixture.cleanup()
            throw error
        }
        await fixture.store.close()
        fixture.cleanup()
    }
}

/// A private temporary directory, removed by `remove()`.
struct TempDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.path + "/muc-storage-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

func jid(_ s: String) -> BareJID {
    // Test literals only; a typo should fail loudly.
    guard let value = try? BareJID(s) else { fatalError("bad test JID \(s)") }
    return value
}

/// A room using every configuration field with non-default values, affiliations of every kind
/// with nicks and reasons (including non-ASCII and markup-like text), and a subject.
func richRecord(_ room: String = "lounge@conference.example.org") -> RoomRecord {
    let config = RoomConfig(
        name: "The Lounge ☕", description: "Talk about \"anything\" & <everything>\nsecond line",
        language: "de-CH", persistent: true, isPublic: false, membersOnly: true, moderated: true,
        password: "s3cret ünïcode", whois: .anyone, presenceBroadcast: [.moderator, .participant],
        getMemberList: [.moderator, .participant, .visitor], allowInvites: true, allowPM: .participants,
        changeSubject: true, maxUsers: 42, historyLength: 7)
    let affiliations = [
        AffiliationRecord(jid: jid("alice@example.org"), affiliation: .owner, nick: "Alice", reason: nil),
        AffiliationRecord(jid: jid("bob@example.org"), affiliation: .admin, nick: nil, reason: "trusted since 2019"),
        AffiliationRecord(jid: jid("carol@example.net"), affiliation: .member, nick: "Ćarol 🌸", reason: "invited by alice"),
        AffiliationRecord(jid: jid("mallory@evil.example"), affiliation: .outcast, nick: nil, reason: "spam <links> & 'abuse'"),
        AffiliationRecord(jid: jid("service.example.com"), affiliation: .member, nick: "bridge", reason: ""),
    ]
    return RoomRecord(jid: jid(room), config: config, affiliations: affiliations,
                      subject: "Welcome! Rules: <be nice> & \"on topic\"", subjectNick: "Alice",
                      subjectTime: 1_700_000_000.25,
                      hats: [HatRecord(uri: "http://example.org/hats#host", title: "Host", hue: "120",
                                       holders: [jid("alice@example.org"), jid("carol@example.net")])])
}

/// A small room for listings.
func simpleRecord(_ room: String, name: String = "", isPublic: Bool = true) -> RoomRecord {
    RoomRecord(jid: jid(room), config: RoomConfig(name: name, persistent: true, isPublic: isPublic),
               affiliations: [AffiliationRecord(jid: jid("owner@example.org"), affiliation: .owner)])
}

/// Expects `body` to throw a ``RoomStoreError`` and returns it.
func expectStoreError(_ kind: RoomStoreError.Kind, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () async throws -> Void) async -> RoomStoreError? {
    do {
        try await body()
        Issue.record("expected a \(kind) error, got success", sourceLocation: sourceLocation)
        return nil
    } catch let error as RoomStoreError {
        #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected RoomStoreError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension StoreFixture {
    /// The store's archive (every backend keeps one beside its rooms).
    var archive: any ArchiveStore {
        get throws { try #require(store as? any ArchiveStore, "\(backend) store keeps no archive") }
    }
}

/// `n` messages of `room`, one a second from `start`, sent in turn by alice and bob.
func archivedMessages(_ room: String, count n: Int, start: Double = 1_700_000_000, idPrefix: String = "m") -> [ArchivedMessage] {
    (0..<n).map { i in
        let sender = i % 2 == 0 ? "alice@example.org" : "bob@example.org"
        let nick = i % 2 == 0 ? "Alice" : "Bob"
        return ArchivedMessage(room: jid(room), id: "\(idPrefix)\(i)", time: start + Double(i), nick: nick, sender: jid(sender),
                               occupantID: "occ-\(nick)",
                               stanza: "<message from='\(room)/\(nick)' type='groupchat'><body>\(i) &lt;ü&gt;</body></message>")
    }
}
