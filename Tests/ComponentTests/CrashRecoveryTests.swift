import FakeServer
import Foundation
import Testing
import XMPPCore

/// Nothing acknowledged is lost: the real `muc-component` process is killed with SIGKILL right after
/// an acknowledgement and started again on the same SQLite file.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CrashRecoveryTests {
    static let domain = "conference.localhost"
    static let secret = "crash-secret"

    /// A child `muc-component run` process.
    final class ServiceProcess {
        let process = Process()

        init(config: String) throws {
            process.executableURL = CommandLineTests.executable
            process.arguments = ["run", "--config", config]
            process.environment = ["MUC_CRASH_SECRET": CrashRecoveryTests.secret]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func kill9() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func terminate() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    static func writeConfig(dir: URL, port: Int, backendLines: String) throws -> String {
        let path = dir.appendingPathComponent("muc.toml").path
        try """
        [component]
        domain = "\(domain)"
        host = "127.0.0.1"
        port = \(port)
        secret_env = "MUC_CRASH_SECRET"
        reconnect_initial_seconds = 0.1
        reconnect_max_seconds = 0.5
        [storage]
        \(backendLines)
        [log]
        level = "warning"
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs the crash scenario against the store the backend lines configure.
    static func crashAndRecover(backendLines: (URL) -> String) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("muc-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await FakeServer.start(FakeServerConfiguration(componentDomain: domain, secret: secret))
        defer { Task { await server.stop() } }
        let config = try writeConfig(dir: dir, port: server.port, backendLines: backendLines(dir))

        let first = try ServiceProcess(config: config)
        try await server.waitForComponentAuthenticated(domain: domain, timeout: .seconds(30))
        let romeo = try await TestClient(server: server, jid: "romeo@localhost")
        try await PersistenceRuntimeTests.createPersistentRoom(romeo)
        try await romeo.send("<iq id='m1' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='juliet@localhost' nick='Jules'><reason>friend</reason></item></query></iq>")
        #expect(await romeo.iqReply("m1")?.attribute("type") == "result")
        try await romeo.send("<iq id='m2' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='tybalt@localhost'><reason>feud</reason></item></query></iq>")
        #expect(await romeo.iqReply("m2")?.attribute("type") == "result")
        // Killed right after the acknowledgement: no chance to flush anything more.
        first.kill9()
        let mark = server.eventCount
        await romeo.client.disconnect()

        let second = try ServiceProcess(config: config)
        defer { second.terminate() }
        try await server.waitForEvent(from: mark, timeout: .seconds(30)) { $0 == .componentAuthenticated(domain: domain) }
        let romeo2 = try await TestClient(server: server, jid: "romeo@localhost", resource: "again")
        try await romeo2.send("<presence to='room@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
        let selfPresence = await romeo2.next { $0.name == "presence" }
        let codes = selfPresence?.child("x", namespace: NS.mucUser)?.children("status", namespace: NS.mucUser).compactMap { $0.attribute("code") } ?? []
        #expect(codes.contains("110"))
        #expect(!codes.contains("201"), "the persistent room survived the crash")
        try await romeo2.send("<iq id='l1' to='room@conference.localhost' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>")
        let member = await romeo2.iqReply("l1")?.child("query", namespace: NS.mucAdmin)?.child("item", namespace: NS.mucAdmin)
        #expect(member?.attribute("jid") == "juliet@localhost")
        #expect(member?.attribute("nick") == "Jules")
        try await romeo2.send("<iq id='l2' to='room@conference.localhost' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast'/></query></iq>")
        let outcast = await romeo2.iqReply("l2")?.child("query", namespace: NS.mucAdmin)?.child("item", namespace: NS.mucAdmin)
        #expect(outcast?.attribute("jid") == "tybalt@localhost")
        #expect(outcast?.childText("reason", namespace: NS.mucAdmin) == "feud")
    }

    /// Archive under load: Romeo floods his persistent room, the process is killed while Juliet is
    /// receiving, and after the restart every message Juliet received is in the archive, in the
    /// order she received them, under the stanza id she received (what she got is a prefix of the
    /// archive: a message is delivered only once its write has committed).
    static func archiveSurvives(backendLines: (URL) -> String) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("muc-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await FakeServer.start(FakeServerConfiguration(componentDomain: domain, secret: secret))
        defer { Task { await server.stop() } }
        let config = try writeConfig(dir: dir, port: server.port, backendLines: backendLines(dir))

        let first = try ServiceProcess(config: config)
        try await server.waitForComponentAuthenticated(domain: domain, timeout: .seconds(30))
        let romeo = try await TestClient(server: server, jid: "romeo@localhost")
        try await PersistenceRuntimeTests.createPersistentRoom(romeo)
        let juliet = try await TestClient(server: server, jid: "juliet@localhost")
        try await juliet.send("<presence to='room@conference.localhost/Juliet'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>")
        #expect(await juliet.next { $0.name == "message" && $0.child("subject", namespace: NS.client) != nil } != nil)

        let load = Task {
            for i in 0..<5_000 {
                try await romeo.send("<message id='m\(i)' type='groupchat' to='room@conference.localhost'><body>load \(i)</body></message>")
            }
        }
        var received: [(id: String, body: String)] = []
        func take(_ stanzas: [Element]) {
            for m in stanzas where m.name == "message" {
                guard let body = m.childText("body", namespace: NS.client),
                      let id = m.child("stanza-id", namespace: NS.stanzaID)?.attribute("id") else { continue }
                received.append((id, body))
            }
        }
        for _ in 0..<400 where received.count < 300 { take(await juliet.collect(within: 0.05, until: { _ in false })) }
        first.kill9()
        load.cancel()
        // What left the process before it died is still on its way through the server.
        take(await juliet.collect(within: 1, until: { _ in false }))
        #expect(received.count >= 300, "the load reached Juliet before the kill")
        let mark = server.eventCount

        let second = try ServiceProcess(config: config)
        defer { second.terminate() }
        try await server.waitForEvent(from: mark, timeout: .seconds(30)) { $0 == .componentAuthenticated(domain: domain) }
        let reader = try await TestClient(server: server, jid: "rosaline@localhost")
        let archived = try await ArchiveRuntimeTests.readArchive(reader, max: 250)
        #expect(archived.count >= received.count)
        let prefix = Array(archived.prefix(received.count))
        #expect(prefix.map(\.id) == received.map(\.id), "every delivered message is archived under its id, in order")
        #expect(prefix.map(\.body) == received.map(\.body))
    }

    @Test func sqliteArchiveKeepsEveryDeliveredMessageAcrossSIGKILL() async throws {
        try await Self.archiveSurvives { dir in "backend = \"sqlite\"\npath = \"\(dir.path)/rooms.sqlite\"" }
    }

    @Test(.enabled(if: postgresEnv != nil, "needs MUC_TEST_POSTGRES: run `make test-postgres`"))
    func postgresArchiveKeepsEveryDeliveredMessageAcrossSIGKILL() async throws {
        let lines = try Self.postgresBackend()
        try await Self.archiveSurvives { _ in lines }
    }

    @Test func sqliteKeepsEverythingAcknowledgedAcrossSIGKILL() async throws {
        try await Self.crashAndRecover { dir in "backend = \"sqlite\"\npath = \"\(dir.path)/rooms.sqlite\"" }
    }

    // MARK: PostgreSQL (run by `make test-postgres`, which starts a throwaway server)

    static let postgresEnv = ProcessInfo.processInfo.environment["MUC_TEST_POSTGRES"]

    /// A fresh database on the test server, and the `[storage]` lines that reach it.
    static func postgresBackend() throws -> String {
        let parts = (postgresEnv ?? "").split(separator: ":").map(String.init)
        guard parts.count == 4 else { throw CancellationError() }
        let name = "muc_crash_\(UInt32.random(in: 0...UInt32.max))"
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MUC_TEST_PSQL"] ?? "/usr/bin/psql")
        psql.arguments = ["-h", parts[0], "-p", parts[1], "-U", parts[2], "-d", parts[3], "-q", "-c", "CREATE DATABASE \(name)"]
        psql.standardOutput = FileHandle.nullDevice
        try psql.run()
        psql.waitUntilExit()
        return """
        backend = "postgres"
        postgres_host = "\(parts[0])"
        postgres_port = \(parts[1])
        postgres_user = "\(parts[2])"
        postgres_database = "\(name)"
        """
    }

    @Test(.enabled(if: postgresEnv != nil, "needs MUC_TEST_POSTGRES: run `make test-postgres`"))
    func postgresKeepsEverythingAcknowledgedAcrossSIGKILL() async throws {
        let lines = try Self.postgresBackend()
        try await Self.crashAndRecover { _ in lines }
    }

    /// Sends SIGSTOP or SIGCONT to the PostgreSQL server and all its processes.
    static func signalPostgres(_ signal: Int32) {
        guard let pid = ProcessInfo.processInfo.environment["MUC_TEST_POSTGRES_PID"].flatMap(Int32.init) else { return }
        var pids = [pid]
        if let children = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) {
            pids += children.split(separator: " ").compactMap { Int32($0) }
        }
        for p in pids { kill(p, signal) }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["MUC_TEST_POSTGRES_PID"] != nil, "needs the server's pid: run `make test-postgres`"))
    func unreachablePostgresRefusesTheChangeAndKeepsNothing() async throws {
        let lines = try Self.postgresBackend()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("muc-pgstop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await FakeServer.start(FakeServerConfiguration(componentDomain: Self.domain, secret: Self.secret))
        defer { Task { await server.stop() } }
        let service = try ServiceProcess(config: try Self.writeConfig(dir: dir, port: server.port, backendLines: lines))
        defer { service.terminate() }
        try await server.waitForComponentAuthenticated(domain: Self.domain, timeout: .seconds(30))
        let romeo = try await TestClient(server: server, jid: "romeo@localhost")
        try await PersistenceRuntimeTests.createPersistentRoom(romeo)

        Self.signalPostgres(SIGSTOP)
        try await romeo.send("<iq id='m1' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='juliet@localhost'/></query></iq>")
        let reply = await romeo.next(within: 60) { $0.name == "iq" && $0.attribute("id") == "m1" }
        Self.signalPostgres(SIGCONT)
        #expect(reply?.attribute("type") == "error")
        #expect(reply?.child("error", namespace: NS.client)?.attribute("type") == "wait")
        #expect(reply?.child("error", namespace: NS.client)?.child("internal-server-error", namespace: NS.stanzas) != nil)

        try await romeo.send("<iq id='l1' to='room@conference.localhost' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>")
        #expect(await romeo.iqReply("l1")?.child("query", namespace: NS.mucAdmin)?.elements.isEmpty == true)
        try await romeo.send("<iq id='m2' to='room@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='juliet@localhost'/></query></iq>")
        #expect(await romeo.next(within: 30) { $0.name == "iq" && $0.attribute("id") == "m2" }?.attribute("type") == "result")
    }
}
