import Logging
import MUCConfig
import PostgresStore
import RoomStore
import SQLiteStore

/// Opens the store the configuration names and brings its schema up to date.
public enum StoreFactory {
    /// Opens and migrates the configured store. Errors name the file or server and what to do.
    public static func open(_ configuration: Configuration, environment: [String: String], logger: Logger) async throws -> any RoomStore {
        let store = try await openWithoutMigrating(configuration, environment: environment, logger: logger)
        do {
            let version = try await store.migrate()
            logger.info("storage: \(configuration.storage.backend.rawValue), schema version \(version)")
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// Opens the configured store as it is (operator commands that only read).
    /// - Parameter readOnly: open SQLite read-only (inspection commands change nothing).
    public static func openWithoutMigrating(_ configuration: Configuration, environment: [String: String], logger: Logger,
                                            readOnly: Bool = false) async throws -> any RoomStore {
        let store: any RoomStore
        switch configuration.storage.backend {
        case .memory:
            store = MemoryRoomStore()
        case .sqlite:
            store = try SQLiteRoomStore(path: configuration.storage.path, readOnly: readOnly)
        case .postgres:
            let s = configuration.storage
            let password = try configuration.resolvePostgresPassword(environment: environment)
            let pg = try PostgresRoomStore(configuration: PostgresStoreConfiguration(
                host: s.postgresHost, port: s.postgresPort, username: s.postgresUser, password: password,
                database: s.postgresDatabase, maximumConnections: s.postgresPoolSize), logger: logger)
            do { try await pg.connect() } catch { await pg.close(); throw error }
            store = pg
        }
        return store
    }
}
