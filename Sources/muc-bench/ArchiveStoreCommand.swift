import ArgumentParser
import Foundation
import Logging
import MUC
import PostgresStore
import RoomStore
import SQLiteStore
import XMPPCore

/// `muc-bench archive-store`: the archive's own speed, on the real backend: appends in batches (as
/// the service's group commit makes them), then pages of a room's archive read at random, then
/// the bytes on disk per message (SQLite).
struct ArchiveStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive-store",
        abstract: "Measure archive appends/s, page latency and bytes per message on SQLite or PostgreSQL.")

    @Option(help: "sqlite or postgres (postgres: MUC_BENCH_POSTGRES=host:port:user:database, an empty database).")
    var backend = "sqlite"
    @Option(help: "SQLite file (created; must not exist).")
    var path = ".build/bench/archive.sqlite"
    @Option(help: "Messages to append.")
    var messages = 1_000_000
    @Option(help: "Rooms they are spread over.")
    var rooms = 1_000
    @Option(help: "Messages per append (one transaction).")
    var batch = 1_000
    @Option(help: "Pages to read.")
    var queries = 2_000
    @Option(help: "Messages per page.")
    var page = 50
    @Option(help: "Bytes of each message body.")
    var payload = 64
    @Flag(help: "Only read pages, from the SQLite file an earlier run with the same --messages and --rooms left (make bench removes its file; a direct run keeps it).")
    var reuse = false
    @Option(name: .customLong("json-out"), help: "Append the figures as one JSON line to this file (make bench's results).")
    var jsonOut: String?

    func run() async throws {
        guard messages > 0, rooms > 0, batch > 0, queries >= 0, page > 0 else { throw ValidationError("counts must be positive") }
        let store: any RoomStore
        switch backend {
        case "sqlite":
            if reuse {
                guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("--reuse: no \(path)") }
            } else {
                guard !FileManager.default.fileExists(atPath: path) else { throw ValidationError("\(path) exists: give a new file") }
            }
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            store = try SQLiteRoomStore(path: path)
        case "postgres":
            let parts = (ProcessInfo.processInfo.environment["MUC_BENCH_POSTGRES"] ?? "").split(separator: ":").map(String.init)
            guard parts.count == 4, let port = Int(parts[1]) else {
                throw ValidationError("set MUC_BENCH_POSTGRES=host:port:user:database")
            }
            let pg = try PostgresRoomStore(configuration: PostgresStoreConfiguration(
                host: parts[0], port: port, username: parts[2], password: nil, database: parts[3], maximumConnections: 4),
                logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
            try await pg.connect()
            store = pg
        default:
            throw ValidationError("--backend is sqlite or postgres")
        }
        _ = try await store.migrate()
        let roomJIDs = try (0..<rooms).map { try BareJID("bench\($0)@conference.localhost") }
        let sender = try BareJID("user@localhost")
        let body = String(repeating: "x", count: payload)

        // Appends: the service's shape (a reflected groupchat message), in batches.
        func message(_ i: Int) -> ArchivedMessage {
            let room = roomJIDs[i % rooms]
            let id = Self.archiveID(i)
            let stanza = "<message from='\(room)/nick\(i % 10)' type='groupchat' id='c\(i)'><body>\(body)</body>"
                + "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='AAAAAAAAAAAAAAA'/>"
                + "<stanza-id xmlns='urn:xmpp:sid:0' id='\(id)' by='\(room)'/></message>"
            return ArchivedMessage(room: room, id: id, time: 1_700_000_000 + Double(i) / 1000, nick: "nick\(i % 10)",
                                   sender: sender, occupantID: "AAAAAAAAAAAAAAA", stanza: stanza)
        }
        let clock = ContinuousClock()
        let appendStart = clock.now
        var lastQuarterStart = appendStart
        var done = 0
        if reuse {
            guard backend == "sqlite" else { throw ValidationError("--reuse works with SQLite only") }
            done = messages
        }
        while done < messages {
            let n = min(batch, messages - done)
            try await store.append((done..<done + n).map(message))
            done += n
            if done >= messages * 3 / 4 && lastQuarterStart == appendStart { lastQuarterStart = clock.now }
        }
        let appendSeconds = Self.seconds(clock.now - appendStart)
        let lastQuarterSeconds = Self.seconds(clock.now - lastQuarterStart)
        if !reuse {
            print(String(format: "%@: appended %ld messages over %ld rooms in batches of %ld: %.0f messages/s (last quarter %.0f/s)",
                         backend, messages, rooms, batch, Double(messages) / appendSeconds,
                         Double(messages - messages * 3 / 4) / max(lastQuarterSeconds, 1e-9)))
        }

        // Pages: a room at random; the last page, or before/after an id at random in it.
        var latencies: [Double] = []
        var generator = SystemRandomNumberGenerator()
        let perRoom = messages / rooms
        for q in 0..<queries {
            let r = Int.random(in: 0..<rooms, using: &generator)
            let kind: ArchiveQuery.Page
            if q % 2 == 0 || perRoom == 0 {
                kind = .last
            } else {
                let i = Int.random(in: 0..<perRoom, using: &generator) * rooms + r
                kind = q % 4 == 1 ? .before(Self.archiveID(i)) : .after(Self.archiveID(i))
            }
            let query = ArchiveQuery(room: roomJIDs[r], page: kind, max: page, wantsCount: true)
            let start = clock.now
            _ = try await store.query(query)
            latencies.append(Self.seconds(clock.now - start) * 1000)
        }
        latencies.sort()
        var result: [String: Any] = [
            "target": "archive-\(backend)", "tag": "store", "messages": messages, "rooms": rooms, "batch": batch,
            "page": page, "queries": queries, "stanza_bytes": message(0).stanza.utf8.count,
        ]
        if !reuse {
            result["appends_per_second"] = Double(messages) / appendSeconds
            result["last_quarter_appends_per_second"] = Double(messages - messages * 3 / 4) / max(lastQuarterSeconds, 1e-9)
        }
        if !latencies.isEmpty {
            func pct(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
            print(String(format: "%@: %ld pages of %ld (with count) from %ld messages: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                         backend, queries, page, messages, pct(0.5), pct(0.99), latencies.last!))
            result["page_p50_ms"] = pct(0.5)
            result["page_p99_ms"] = pct(0.99)
            result["page_max_ms"] = latencies.last!
        }
        if backend == "postgres", let pg = store as? PostgresRoomStore {
            // The archive table with its indexes and TOAST, as PostgreSQL counts it.
            if let bytes = try? await pg.archiveRelationBytes() {
                result["bytes_per_message"] = Double(bytes) / Double(messages)
                print(String(format: "postgres: %ld bytes in the archive table and its indexes, %.0f bytes per archived message",
                             bytes, Double(bytes) / Double(messages)))
            }
        }
        await store.close()
        if backend == "sqlite" {
            var bytes = 0
            for suffix in ["", "-wal"] {
                let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
                bytes += (attributes?[.size] as? Int) ?? 0
            }
            result["bytes_per_message"] = Double(bytes) / Double(messages)
            print(String(format: "sqlite: %ld bytes on disk, %.0f bytes per archived message (a %ld-byte body; the stored stanza is %ld bytes)",
                         bytes, Double(bytes) / Double(messages), payload, message(0).stanza.utf8.count))
        }
        if let jsonOut {
            let line = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            guard let handle = FileHandle(forWritingAtPath: jsonOut) ?? {
                FileManager.default.createFile(atPath: jsonOut, contents: nil)
                return FileHandle(forWritingAtPath: jsonOut)
            }() else { throw ValidationError("cannot write \(jsonOut)") }
            handle.seekToEndOfFile()
            handle.write(line + Data("\n".utf8))
            try handle.close()
        }
    }

    /// The archive id of message `i`: 16 bytes as the service's stanza ids are (base64url, 22
    /// characters), scattered as theirs are (HMAC output), so appends land at random places in the
    /// (room, id) index as they do in the service; derived from `i` so that queries can name them.
    static func archiveID(_ i: Int) -> String {
        func mix(_ x: UInt64) -> UInt64 {
            var z = x &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let a = mix(UInt64(i)), b = mix(a ^ 0x5851_F42D_4C95_7F2D)
        var bytes: [UInt8] = []
        for word in [a, b] { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) } }
        return String(Data(bytes).base64EncodedString().prefix(22)).replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
