import Foundation

/// Where the PostgreSQL store connects. The password is resolved by the caller (from a literal,
/// a file or an environment variable) before it gets here.
public struct PostgresStoreConfiguration: Sendable, CustomStringConvertible {
    /// How the connection is encrypted.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// `disable` on a loopback address or a Unix socket, `require` anywhere else.
        case automatic
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, plain TCP otherwise (open to downgrade: avoid off-host).
        case prefer
        /// TLS with the server's certificate verified against the system's trust roots.
        case require
    }

    /// Host name or IP address; a value starting with "/" is a directory holding the server's
    /// Unix socket (`.s.PGSQL.<port>`), as with libpq.
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Size of the connection pool.
    public var maximumConnections: Int
    /// How long one operation (including getting a connection) may take before it fails. An
    /// unreachable server is usually reported much sooner (the store probes it directly).
    public var operationTimeout: Duration

    public init(host: String = "127.0.0.1", port: Int = 5432, username: String, password: String? = nil,
                database: String, tls: TLSMode = .automatic, maximumConnections: Int = 4,
                operationTimeout: Duration = .seconds(10)) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.maximumConnections = maximumConnections
        self.operationTimeout = operationTimeout
    }

    /// `host:port` (or the socket file), for messages.
    public var endpoint: String {
        if isUnixSocket { return socketPath }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Never shows the password.
    public var description: String { "postgresql://\(username)@\(endpoint)/\(database)" }

    var isUnixSocket: Bool { host.hasPrefix("/") }

    var socketPath: String {
        host.hasSuffix("/") ? "\(host).s.PGSQL.\(port)" : "\(host)/.s.PGSQL.\(port)"
    }

    var isLoopback: Bool {
        isUnixSocket || host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The TLS mode after resolving `.automatic`.
    var effectiveTLS: TLSMode {
        switch tls {
        case .automatic: return isLoopback ? .disable : .require
        case .disable, .prefer, .require: return tls
        }
    }
}
