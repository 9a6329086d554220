import Foundation
import MUC
import SQLiteStore
import Testing
import XMPPCore

/// The `muc-component` executable as an operator runs it.
@Suite(.timeLimit(.minutes(3))) struct CommandLineTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable, next to the test bundle.
    static var executable: URL {
        var dir = Bundle.main.bundleURL
        if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("muc-component")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = packageRoot
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// A new folder with a configuration on a SQLite file in it (not created yet), plus `extra` lines.
    static func sqliteConfiguration(extra: String = "") throws -> (dir: URL, db: String, configPath: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("muc-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = dir.appendingPathComponent("rooms.sqlite").path
        let configPath = dir.appendingPathComponent("muc.toml").path
        try """
        [component]
        domain = "conference.localhost"
        secret = "x"
        [storage]
        backend = "sqlite"
        path = "\(db)"
        \(extra)
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        return (dir, db, configPath)
    }

    @Test func checkConfigNamesTheLineOfATypo() throws {
        let r = try Self.run(["check-config", "Fixtures/config/typo-key.toml"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("typo-key.toml:7:"))
        #expect(r.stderr.contains("unknown key"))
    }

    @Test func checkConfigAcceptsTheFullExample() throws {
        let r = try Self.run(["check-config", "Fixtures/config/full.toml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("OK"))
    }

    @Test func runRefusesABrokenFileBeforeConnecting() throws {
        let r = try Self.run(["run", "--config", "Fixtures/config/wrong-type.toml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("wrong-type.toml:6:"))
    }

    @Test func helpExplainsTheCommands() throws {
        let r = try Self.run(["--help"])
        #expect(r.stdout.contains("check-config"))
        #expect(r.stdout.contains("run"))
    }

    @Test func operatorCommandsWorkOnTheStore() async throws {
        let (dir, db, configPath) = try Self.sqliteConfiguration()
        defer { try? FileManager.default.removeItem(at: dir) }

        var r = try Self.run(["check-storage", "--config", configPath])
        #expect(r.status != 0)
        #expect(r.stderr.contains("no SQLite database"))
        #expect(!FileManager.default.fileExists(atPath: db), "inspection creates nothing")
        r = try Self.run(["migrate", "--config", configPath])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("0 stored rooms"))
        r = try Self.run(["check-storage", "--config", configPath])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("schema version \(SQLiteRoomStore.currentSchemaVersion)"))

        let store = try SQLiteRoomStore(path: db)
        var config = RoomConfig()
        config.persistent = true
        config.name = "The Balcony"
        config.password = "cauldronburn"
        try await store.save(RoomRecord(jid: try BareJID("balcony@conference.localhost"), config: config,
                                        affiliations: [AffiliationRecord(jid: try BareJID("romeo@localhost"), affiliation: .owner)]))
        await store.close()

        r = try Self.run(["rooms", "list", "--config", configPath])
        #expect(r.stdout.contains("balcony@conference.localhost\tpublic\tThe Balcony"))
        r = try Self.run(["rooms", "show", "--config", configPath, "balcony@conference.localhost"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("romeo@localhost"))
        #expect(!r.stdout.contains("cauldronburn"), "the room password is never printed")
        r = try Self.run(["rooms", "destroy", "--config", configPath, "balcony@conference.localhost"])
        #expect(r.status == 0)
        r = try Self.run(["rooms", "show", "--config", configPath, "balcony@conference.localhost"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("no stored room"))
    }

    /// `archive size`, `archive export`, `archive expire`, and `rooms destroy` taking the archive.
    @Test func archiveCommandsWorkOnTheStore() async throws {
        let (dir, db, configPath) = try Self.sqliteConfiguration(extra: """
            [archive]
            max_messages_per_room = 30
            """)
        defer { try? FileManager.default.removeItem(at: dir) }

        let store = try SQLiteRoomStore(path: db)
        _ = try await store.migrate()
        let room = try BareJID("balcony@conference.localhost")
        var config = RoomConfig()
        config.persistent = true
        try await store.save(RoomRecord(jid: room, config: config, affiliations: []))
        let now = Date().timeIntervalSince1970
        // 20 messages 10 days old, 20 from today.
        let messages = try (0..<40).map { i in
            ArchivedMessage(room: room, id: "id\(i)", time: (i < 20 ? now - 10 * 86_400 : now) + Double(i), nick: "Juliet",
                            sender: try BareJID("juliet@localhost"), occupantID: "o1",
                            stanza: "<message type='groupchat'><body>line \(i)</body></message>")
        }
        try await store.append(messages)
        await store.close()

        var r = try Self.run(["archive", "size", "--config", configPath, "balcony@conference.localhost"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("balcony@conference.localhost\t40 messages\t"))
        r = try Self.run(["archive", "size", "--rooms", "--config", configPath])
        #expect(r.stdout.contains("balcony@conference.localhost\t40 messages"))
        #expect(r.stdout.contains("total\t40 messages"))

        let exported = dir.appendingPathComponent("balcony.xml").path
        r = try Self.run(["archive", "export", "--config", configPath, "--output", exported, "balcony@conference.localhost"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("exported 40 messages"))
        let document = try String(contentsOfFile: exported, encoding: .utf8)
        #expect(document.components(separatedBy: "<result ").count - 1 == 40)
        #expect(document.contains("<body>line 39</body>"))
        #expect(document.hasSuffix("</archive>\n"))

        // The configured bound keeps the newest 30; then 7 days keep only today's 20.
        r = try Self.run(["archive", "expire", "--config", configPath])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("deleted 0 messages older than the retention period and 10 beyond the bound per room"))
        r = try Self.run(["archive", "expire", "--days", "7", "--config", configPath])
        #expect(r.stdout.contains("deleted 10 messages older than the retention period and 0 beyond"))
        r = try Self.run(["archive", "size", "--config", configPath, "balcony@conference.localhost"])
        #expect(r.stdout.hasPrefix("balcony@conference.localhost\t20 messages\t"))

        r = try Self.run(["rooms", "destroy", "--config", configPath, "balcony@conference.localhost"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try Self.run(["archive", "size", "--config", configPath])
        #expect(r.stdout.hasPrefix("total\t0 messages\t0 bytes"))
    }
}
