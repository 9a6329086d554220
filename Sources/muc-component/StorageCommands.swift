import ArgumentParser
import Component
import Foundation
import Logging
import MUC
import MUCConfig
import RoomStore
import XMPPCore

/// Opens the store a configuration file names, for the operator commands.
func openStore(configPath: String, migrate: Bool, readOnly: Bool = false) async throws -> (any RoomStore, Configuration) {
    let configuration: Configuration
    do {
        configuration = try Configuration.load(path: configPath)
    } catch {
        FileHandle.standardError.write(Data("muc-component: \(error)\n".utf8))
        throw ExitCode(2)
    }
    var logger = Logger(label: "muc-component") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = .warning
    do {
        if migrate {
            return (try await StoreFactory.open(configuration, environment: ProcessInfo.processInfo.environment, logger: logger), configuration)
        }
        if readOnly && configuration.storage.backend == .sqlite && !FileManager.default.fileExists(atPath: configuration.storage.path) {
            throw fail("no SQLite database at \(configuration.storage.path) yet: run 'muc-component migrate --config \(configPath)' or start the service")
        }
        return (try await StoreFactory.openWithoutMigrating(configuration, environment: ProcessInfo.processInfo.environment, logger: logger,
                                                            readOnly: readOnly), configuration)
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandle.standardError.write(Data("muc-component: cannot open the room store: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

func fail(_ message: String, code: Int32 = 1) -> ExitCode {
    FileHandle.standardError.write(Data("muc-component: \(message)\n".utf8))
    return ExitCode(code)
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the storage schema and print its version (the service also does this on start-up).")

    @Option(name: .shortAndLong, help: "Path of the TOML configuration file.")
    var config: String

    func run() async throws {
        let (store, c) = try await openStore(configPath: config, migrate: true)
        defer { Task { await store.close() } }
        let version = try await store.schemaVersion()
        print("\(c.storage.backend.rawValue): schema version \(version), \(try await store.count()) stored rooms")
        await store.close()
    }
}

struct CheckStorage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-storage",
        abstract: "Open the configured store without changing it and report its schema version and room count.")

    @Option(name: .shortAndLong, help: "Path of the TOML configuration file.")
    var config: String

    func run() async throws {
        let (store, c) = try await openStore(configPath: config, migrate: false, readOnly: true)
        let version = try await store.schemaVersion()
        let count = version > 0 ? try await store.count() : 0
        await store.close()
        print("\(c.storage.backend.rawValue): schema version \(version)\(version == 0 ? " (empty: run 'muc-component migrate' or start the service)" : ""), \(count) stored rooms")
    }
}

struct Rooms: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect and manage stored rooms while the service is stopped.",
        subcommands: [List.self, Show.self, Destroy.self, Copy.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored rooms in JID order.")
        @Option(name: .shortAndLong, help: "Path of the TOML configuration file.") var config: String
        @Flag(help: "Only public rooms.") var publicOnly = false
        @Option(help: "Most rooms to print (0 = all).") var limit = 0

        func run() async throws {
            let (store, _) = try await openStore(configPath: config, migrate: false, readOnly: true)
            var cursor: BareJID? = nil
            var printed = 0
            pages: while true {
                let page = try await store.list(after: cursor, limit: 500, publicOnly: publicOnly)
                for room in page {
                    print("\(room.jid)\t\(room.isPublic ? "public" : "hidden")\t\(room.name)")
                    printed += 1
                    if limit > 0 && printed >= limit { break pages }
                }
                guard page.count == 500, let last = page.last else { break }
                cursor = last.jid
            }
            await store.close()
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a stored room's durable state as JSON.")
        @Option(name: .shortAndLong, help: "Path of the TOML configuration file.") var config: String
        @Argument(help: "The room's bare JID, e.g. room@conference.example.org.") var room: String

        func run() async throws {
            guard let jid = try? BareJID(room) else { throw fail("'\(room)' is not a bare JID", code: 2) }
            let (store, _) = try await openStore(configPath: config, migrate: false, readOnly: true)
            let record = try await store.load(jid)
            await store.close()
            guard let record else { throw fail("no stored room \(jid)") }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            var shown = record
            if !shown.config.password.isEmpty { shown.config.password = "(set)" }
            print(String(decoding: try encoder.encode(shown), as: UTF8.self))
        }
    }

    struct Destroy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a stored room (stop the service first).")
        @Option(name: .shortAndLong, help: "Path of the TOML configuration file.") var config: String
        @Argument(help: "The room's bare JID.") var room: String

        func run() async throws {
            guard let jid = try? BareJID(room) else { throw fail("'\(room)' is not a bare JID", code: 2) }
            let (store, _) = try await openStore(configPath: config, migrate: false)
            let existed = try await store.load(jid) != nil
            if existed { try await store.delete(jid) }
            await store.close()
            guard existed else { throw fail("no stored room \(jid)") }
            print("destroyed \(jid)")
        }
    }

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every stored room, with its message archive, into the store another configuration file names (moving between backends).")
        @Option(name: .shortAndLong, help: "Configuration whose store is read.") var config: String
        @Option(help: "Configuration whose store is written (migrated first).") var to: String

        func run() async throws {
            let (source, _) = try await openStore(configPath: config, migrate: false)
            let (target, _) = try await openStore(configPath: to, migrate: true)
            let copied = try await copyRooms(from: source, to: target)
            await source.close()
            await target.close()
            print("copied \(copied) rooms")
        }
    }
}
