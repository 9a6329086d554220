import MUC

/// The service's configuration, as read from the TOML file. Every key has a default except
/// the component domain and the secret. Documented key by key in `docs/configuration.md`.
///
/// Build one with ``Configuration/load(path:)`` or ``Configuration/parse(_:source:)``; both
/// check types, unknown keys and the rules of ``Configuration/validate()``.
public struct Configuration: Sendable, Equatable {
    public var component = Component()
    public var storage = Storage()
    public var log = Log()
    public var limits = Limits()
    public var rooms = RoomDefaults()
    public var service = ServiceSettings()
    public var archive = Archive()

    public init() {}

    /// `[archive]`: rooms' message archive (XEP-0313 on room JIDs), kept in the storage backend.
    public struct Archive: Sendable, Equatable {
        private static let machine = ArchiveSettings()
        /// Whether rooms may archive at all.
        public var enabled: Bool = machine.enabled
        /// Whether a persistent room archives while its owner never chose (new rooms, and rooms
        /// made before archiving existed).
        public var `default`: Bool = machine.byDefault
        /// Messages per page when a query names no maximum.
        public var pageSize: Int = machine.defaultPageSize
        /// Most messages per page, whatever a query asks for.
        public var maxPageSize: Int = machine.maxPageSize
        /// Days a message is kept; 0 keeps messages until their room is destroyed.
        public var retentionDays: Int = 0
        /// Most messages a room's archive keeps (its oldest go first); 0 is no bound.
        public var maxMessagesPerRoom: Int = 0
        public init() {}
    }

    /// `[component]`: how to reach the XMPP server.
    public struct Component: Sendable, Equatable {
        /// The component's domain, e.g. `conference.example.org` (required).
        public var domain: String = ""
        /// Host of the XMPP server's component port.
        public var host: String = "127.0.0.1"
        /// The XMPP server's component port (Prosody and ejabberd commonly use 5347).
        public var port: Int = 5347
        /// The shared secret, from one of three sources (required; `.literal("")` means unset).
        public var secret: Secret = .literal("")
        /// Idle time after which a whitespace keepalive is sent, in seconds (0 disables).
        public var keepaliveSeconds: Double = 60
        /// First reconnect delay, in seconds; it doubles after each failed attempt.
        public var reconnectInitialSeconds: Double = 0.5
        /// Upper bound of the reconnect delay, in seconds.
        public var reconnectMaxSeconds: Double = 30
        /// Connect timeout, in seconds.
        public var connectTimeoutSeconds: Double = 10
        /// Outgoing stanzas held while disconnected (older ones are dropped and counted beyond this).
        public var outgoingQueueLimit: Int = 1000
        public init() {}
    }

    /// Where the secret comes from, so it need not sit in the file. Printing a `Secret` never
    /// shows a literal secret (so logging a configuration does not leak it).
    public enum Secret: Sendable, Equatable {
        /// `secret = "…"`
        case literal(String)
        /// `secret_file = "/path"`: the file's content, trailing line breaks removed.
        case file(String)
        /// `secret_env = "NAME"`: an environment variable.
        case environment(String)
    }

    /// `[storage]`: where durable room state lives.
    public struct Storage: Sendable, Equatable {
        /// The storage backend; the raw value is the TOML spelling.
        public enum Backend: String, Sendable, Equatable, CaseIterable { case memory, sqlite, postgres }
        public var backend: Backend = .sqlite
        /// SQLite database file (relative paths are relative to the working directory).
        public var path: String = "data/muc.sqlite"
        /// PostgreSQL server (backend "postgres").
        public var postgresHost: String = "127.0.0.1"
        public var postgresPort: Int = 5432
        public var postgresUser: String = "muc"
        public var postgresDatabase: String = "muc"
        /// File holding the PostgreSQL password (trailing line break removed); empty for none.
        public var postgresPasswordFile: String = ""
        /// Environment variable holding the PostgreSQL password; empty for none.
        public var postgresPasswordEnv: String = ""
        /// Connections in the pool.
        public var postgresPoolSize: Int = 4
        public init() {}
    }

    /// `[log]`
    public struct Log: Sendable, Equatable {
        /// swift-log's levels, least severe first; the raw value is their name.
        public enum Level: String, Sendable, Equatable, CaseIterable {
            case trace, debug, info, notice, warning, error, critical
        }
        public var level: Level = .info
        public init() {}
    }

    /// `[limits]`: bounds that protect the service.
    public struct Limits: Sendable, Equatable {
        /// Largest stanza accepted from the server, in bytes (at least 1024).
        public var maxStanzaBytes: Int = 512 * 1024
        /// Upper bound an owner may set for `muc#roomconfig_maxusers` (0 = no bound).
        public var maxOccupantsPerRoom: Int = 1000
        /// Upper bound an owner may set for `muc#roomconfig_historylength`.
        public var maxHistoryMessages: Int = 100
        /// Most rooms held in memory at once; 0 means unlimited.
        public var maxRooms: Int = 0
        public init() {}
    }

    /// `[service]`: service-wide behaviour.
    public struct ServiceSettings: Sendable, Equatable {
        /// Name shown in the service's disco#info identity.
        public var name: String = "Chatrooms"
        /// Who may create rooms: "anyone", "local" (users of the parent domain) or "admins".
        public var roomCreation: RoomCreationPolicy = .anyone
        /// Bare JIDs of the service admins (room creation whatever `roomCreation` says, the admin
        /// commands), normalised (lowercased) when loaded from a file.
        public var admins: [String] = []
        /// Whether service admins are owners of every room; false as in Prosody 13.
        public var adminsAreOwners: Bool = false
        /// Whether users without affiliation may register a nick (XEP-0045 §7.10); false as Prosody.
        public var allowUnaffiliatedRegistration: Bool = false
        /// Whether registrations wait for an admin's approval (XEP-0045 §9.9) instead of being granted at once.
        public var registrationApproval: Bool = false
        public init() {}
    }

    /// `[rooms]`: the configuration new rooms start with. Every default is the room machine's
    /// own (`RoomConfig()`), so a file without `[rooms]` and a room made in a test start alike.
    public struct RoomDefaults: Sendable, Equatable {
        private static let machine = RoomConfig()
        /// Whether a room outlives its last occupant (`muc#roomconfig_persistentroom`).
        public var persistent: Bool = machine.persistent
        /// Whether a room is listed in disco#items (`muc#roomconfig_publicroom`).
        public var `public`: Bool = machine.isPublic
        /// Whether only members may enter (`muc#roomconfig_membersonly`).
        public var membersOnly: Bool = machine.membersOnly
        /// Whether only participants and moderators may speak (`muc#roomconfig_moderatedroom`).
        public var moderated: Bool = machine.moderated
        /// Who sees occupants' real JIDs: moderators (semi-anonymous) or anyone (non-anonymous).
        public var whois: Whois = machine.whois
        /// Whether occupants other than admins and owners may invite (`muc#roomconfig_allowinvites`).
        public var allowInvites: Bool = machine.allowInvites
        /// Who may send private messages (`muc#roomconfig_allowpm`).
        public var allowPM: AllowPM = machine.allowPM
        /// Whether occupants other than moderators may change the subject (`muc#roomconfig_changesubject`).
        public var changeSubject: Bool = machine.changeSubject
        /// Most occupants at once (`muc#roomconfig_maxusers`); 0 = no limit, which is only allowed
        /// when `limits.maxOccupantsPerRoom` is 0 too.
        public var maxUsers: Int = machine.maxUsers
        /// Messages of discussion history kept (`muc#roomconfig_historylength`).
        public var historyLength: Int = machine.historyLength
        /// Roles whose presence is broadcast (`muc#roomconfig_presencebroadcast`); from ``allowedRoles``.
        public var presenceBroadcast: Set<Role> = machine.presenceBroadcast
        /// Roles besides admins and owners that may fetch the member list
        /// (`muc#roomconfig_getmemberlist`); from ``allowedRoles``.
        public var getMemberList: Set<Role> = machine.getMemberList
        /// Natural language of the room's discussion (`muc#roomconfig_lang`), "" for none.
        public var language: String = machine.language
        /// The roles `presenceBroadcast` and `getMemberList` may hold in the file.
        public static let allowedRoles: [Role] = [.moderator, .participant, .visitor]
        public init() {}
    }
}

extension Configuration.Secret: CustomStringConvertible, CustomDebugStringConvertible {
    /// Names the source without revealing a literal secret.
    public var description: String {
        switch self {
        case .literal(let s): return s.isEmpty ? "literal(unset)" : "literal(<redacted>)"
        case .file(let path): return "file(\(path))"
        case .environment(let name): return "environment(\(name))"
        }
    }

    public var debugDescription: String { description }
}
