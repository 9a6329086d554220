import Foundation
import MUC
import PostgresStore
import RoomStore
import Testing
import XMPPCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("PostgreSQL store")
struct PostgresStoreTests {
    @Test("the configuration never shows the password; automatic TLS is off on loopback only")
    func configurationDescription() {
        let config = PostgresStoreConfiguration(host: "db.example.org", port: 6543, username: "muc",
                                                password: "hunter2", database: "rooms")
        #expect(config.description == "postgresql://muc@db.example.org:6543/rooms")
        #expect(!String(describing: config).contains("hunter2"))
        #expect(config.endpoint == "db.example.org:6543")
        let socket = PostgresStoreConfiguration(host: "/var/run/postgresql", username: "muc", database: "rooms")
        #expect(socket.endpoint == "/var/run/postgresql/.s.PGSQL.5432")
        let v6 = PostgresStoreConfiguration(host: "::1", username: "muc", database: "rooms")
        #expect(v6.endpoint == "[::1]:5432")
    }

    /// Nothing listens on the port (as when the server is stopped): the error comes from the
    /// store's direct probe, not from the 60 s operation timeout, and names host:port.
    @Test("an unreachable server fails quickly, naming host:port")
    func unreachable() async throws {
        let port = try unusedLoopbackPort()
        let config = PostgresStoreConfiguration(host: "127.0.0.1", port: port, username: "muc", database: "rooms",
                                                operationTimeout: .seconds(60))
        let store = try PostgresRoomStore(configuration: config)
        for attempt in 0..<2 {
            let error = await expectStoreError(.unavailable) { try await store.save(richRecord()) }
            #expect(error?.message.contains("127.0.0.1:\(port)") == true, "attempt \(attempt)")
            #expect(error?.message.contains("did not complete") == false, "timed out instead of probing: \(error?.message ?? "")")
        }
        _ = await expectStoreError(.unavailable) { try await store.connect() }
        await store.close()
    }

    @Test("connect checks the database exists", .enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.notConfigured))
    func missingDatabase() async throws {
        let config = try PostgresTestServer.configuration(database: "no_such_database_here")
        let store = try PostgresRoomStore(configuration: config)
        let error = await expectStoreError(.unavailable) { try await store.connect() }
        #expect(error?.message.contains("no_such_database_here") == true)
        #expect(error?.message.contains("\(config.host):\(config.port)") == true)
        await store.close()
    }

    /// The server drops the store's connections and refuses new ones (as when it stops): saves fail
    /// quickly with host:port, nothing is half-written, and the store recovers when the server is back.
    @Test("a server that goes away fails saves quickly, and the store recovers",
          .enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.notConfigured))
    func serverGoesAway() async throws {
        let database = try await PostgresTestServer.createDatabase()
        let config = try PostgresTestServer.configuration(database: database, timeout: .seconds(60))
        let store = try PostgresRoomStore(configuration: config)
        try await store.connect()
        _ = try await store.migrate()
        let record = richRecord()
        try await store.save(record)

        try await PostgresTestServer.psql("ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS false")
        try await PostgresTestServer.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'")
        var changed = record
        changed.subject = "written while the server was away"
        let error = await expectStoreError(.unavailable) { try await store.save(changed) }
        #expect(error?.message.contains("\(config.host):\(config.port)") == true)
        #expect(error?.message.contains("did not complete") == false, "timed out instead of probing: \(error?.message ?? "")")

        try await PostgresTestServer.psql("ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS true")
        // The pool backs off between attempts after failures; retry until it reconnects.
        var loaded: RoomRecord? = nil
        for _ in 0..<60 {
            if let value = try? await store.load(record.jid) {
                loaded = value
                break
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(loaded == record)
        try await store.save(changed)
        #expect(try await store.load(record.jid) == changed)
        await store.close()
    }
}

/// A loopback TCP port with nothing listening on it (bound, read, closed).
func unusedLoopbackPort() throws -> Int {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
