import PostgresNIO
import RoomStore

/// Turns postgres-nio failures into operator-readable ``RoomStoreError``s naming host:port.
enum PostgresErrors {
    static func map(_ error: Error, config: PostgresStoreConfiguration, doing action: String) -> RoomStoreError {
        let place = "PostgreSQL at \(config.endpoint)"
        switch error {
        case let error as RoomStoreError:
            return error
        case let error as PostgresTransactionError:
            if let inner = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError {
                return map(inner, config: config, doing: action)
            }
            return RoomStoreError(.failed, "\(place): \(action) failed in a transaction")
        case let error as PSQLError:
            return mapPSQL(error, config: config, place: place, action: action)
        case let error as PostgresDecodingError:
            return RoomStoreError(.corrupt, "\(place): \(action) read a column of an unexpected type "
                + "(\(String(reflecting: error))); was the schema changed by hand?")
        case is CancellationError:
            return RoomStoreError(.unavailable, "\(place): \(action) was cancelled")
        default:
            // NIO connect errors, pool circuit breaker, ...
            return RoomStoreError(.unavailable, "cannot reach \(place) (\(error)): \(action) failed. "
                + "Is the server running and accepting connections there?")
        }
    }

    private static func mapPSQL(_ error: PSQLError, config: PostgresStoreConfiguration, place: String, action: String) -> RoomStoreError {
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?"
            let message = error.serverInfo?[.message] ?? "server error"
            switch state {
            case "28P01", "28000":
                return RoomStoreError(.unavailable, "\(place) refused user \(config.username): \(message) (SQLSTATE \(state)). "
                    + "Check the user name and password, and pg_hba.conf.")
            case "3D000":
                return RoomStoreError(.unavailable, "\(place) has no database \(config.database): \(message). "
                    + "Create it (createdb -O \(config.username) \(config.database)).")
            case "42P01":
                return RoomStoreError(.failed, "\(place): \(action) failed: \(message). The schema is missing: run the migration first.")
            case "42501":
                return RoomStoreError(.readOnly, "\(place): \(action) refused: \(message). Grant user \(config.username) "
                    + "the rights on database \(config.database).")
            case "25006":
                return RoomStoreError(.readOnly, "\(place) is read-only (a standby?): \(action) failed: \(message)")
            default:
                if state.hasPrefix("23") {
                    return RoomStoreError(.invalidRecord, "\(place) refused \(action): \(message) (SQLSTATE \(state))")
                }
                if state.hasPrefix("57") || state.hasPrefix("53") || state.hasPrefix("08") {
                    return RoomStoreError(.unavailable, "\(place) is not available: \(message) (SQLSTATE \(state)); \(action) failed")
                }
                return RoomStoreError(.failed, "\(place): \(action) failed: \(message) (SQLSTATE \(state))")
            }
        case .sslUnsupported:
            return RoomStoreError(.unavailable, "\(place) does not accept TLS; enable ssl on the server or set the store's tls to disable")
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
             .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            let underlying = error.underlying.map { " (\($0))" } ?? ""
            return RoomStoreError(.unavailable, "cannot reach \(place)\(underlying): \(action) failed. "
                + "Is the server running and accepting connections there?")
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return RoomStoreError(.unavailable, "\(place): cannot authenticate user \(config.username) (\(error.code)). "
                + "Check the password and pg_hba.conf.")
        default:
            return RoomStoreError(.failed, "\(place): \(action) failed (\(String(reflecting: error)))")
        }
    }
}
