import ArgumentParser
import Component
import Foundation
import MUC
import MUCConfig
import RoomStore
import XMPPCore

/// `muc-component archive …`: rooms' message archives (XEP-0313) in the configured store. These
/// work while the service runs too (SQLite in WAL mode and PostgreSQL take a second process).
struct Archive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect, expire and export rooms' message archives.",
        subcommands: [Size.self, Expire.self, Export.self])

    struct Size: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print how many messages (and stanza bytes) the archive holds: of one room, of each room (--rooms), or in total.")
        @Option(name: .shortAndLong, help: "Path of the TOML configuration file.") var config: String
        @Flag(help: "One line per archived room, in JID order.") var rooms = false
        @Argument(help: "A room's bare JID (default: the whole archive).") var room: String?

        func run() async throws {
            let jid = try room.map { text -> BareJID in
                guard let jid = try? BareJID(text) else { throw fail("'\(text)' is not a bare JID", code: 2) }
                return jid
            }
            let (store, _) = try await openStore(configPath: config, migrate: false, readOnly: true)
            if rooms && jid == nil {
                var cursor: BareJID? = nil
                while true {
                    let page = try await store.archivedRooms(after: cursor, limit: 500)
                    for r in page { print(Self.line(r.description, try await store.archiveSize(of: r))) }
                    guard page.count == 500, let last = page.last else { break }
                    cursor = last
                }
            }
            let size = try await store.archiveSize(of: jid)
            await store.close()
            print(Self.line(jid?.description ?? "total", size))
        }

        static func line(_ name: String, _ size: ArchiveSize) -> String {
            var text = "\(name)\t\(size.messages) messages\t\(size.stanzaBytes) bytes"
            if let oldest = size.oldest, let newest = size.newest {
                text += "\t\(Timestamp.format(oldest)) to \(Timestamp.format(newest))"
            }
            return text
        }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete now what the retention settings no longer keep ([archive] retention_days and max_messages_per_room, or the options).",
            discussion: "Deletes in batches of \(ArchiveRetention.batchSize) messages, each its own transaction, so a running service only waits for one batch at a time.")
        @Option(name: .shortAndLong, help: "Path of the TOML configuration file.") var config: String
        @Option(help: "Delete messages older than this many days (default: [archive] retention_days; 0 keeps them).") var days: Int?
        @Option(help: "Keep at most this many messages per room (default: [archive] max_messages_per_room; 0 is no bound).") var maxPerRoom: Int?

        func run() async throws {
            if let days, days < 0 { throw fail("--days must be 0 or more", code: 2) }
            if let maxPerRoom, maxPerRoom < 0 { throw fail("--max-per-room must be 0 or more", code: 2) }
            let (store, c) = try await openStore(configPath: config, migrate: false)
            var archive = c.archive
            if let days { archive.retentionDays = days }
            if let maxPerRoom { archive.maxMessagesPerRoom = maxPerRoom }
            let policy = ArchiveRetentionPolicy(archive)
            guard policy.deletes else {
                await store.close()
                print("nothing to expire: no retention period and no bound per room (set [archive] retention_days or max_messages_per_room, or pass --days / --max-per-room)")
                return
            }
            let (expired, trimmed) = try await ArchiveRetention.pass(store, policy: policy, now: Date().timeIntervalSince1970, rooms: .all)
            await store.close()
            print("deleted \(expired) messages older than the retention period and \(trimmed) beyond the bound per room")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one room's archive as XML (XEP-0313 results, with senders' real JIDs).",
            discussion: "The format is in docs/operations.md. Standard output unless --output names a file.")
        @Option(name: .shortAndLong, help: "Path of the TOML configuration file.") var config: String
        @Option(name: .shortAndLong, help: "File to write (replaced if it exists).") var output: String?
        @Argument(help: "The room's bare JID.") var room: String

        func run() async throws {
            guard let jid = try? BareJID(room) else { throw fail("'\(room)' is not a bare JID", code: 2) }
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil),
                      let file = FileHandle(forWritingAtPath: output) else { throw fail("cannot write \(output)") }
                handle = file
            } else {
                handle = FileHandle.standardOutput
            }
            let (store, _) = try await openStore(configPath: config, migrate: false, readOnly: true)
            let (written, unreadable) = try await ArchiveExport.export(jid, from: store) { handle.write(Data($0.utf8)) }
            await store.close()
            if output != nil { try handle.close() }
            FileHandle.standardError.write(Data("exported \(written) messages of \(jid)\(unreadable > 0 ? "; \(unreadable) stored messages could not be read and were left out" : "")\n".utf8))
        }
    }
}
