import XMPPCore

/// Who may create rooms (XEP-0045 §10.1.1: creation MAY be restricted; refused with not-allowed).
public enum RoomCreationPolicy: Sendable, Equatable {
    /// Any user.
    case anyone
    /// Users of the parent domain of the service (`localhost` for `conference.localhost`), and admins.
    case localUsers
    /// Service admins only.
    case adminsOnly
}

/// Service-wide settings (the runtime maps the TOML config into this).
public struct MUCSettings: Sendable {
    /// The service JID, e.g. `conference.localhost`.
    public var domain: String
    /// Disco identity name of the service.
    public var name: String
    /// What new rooms start with.
    public var defaultRoomConfig: RoomConfig
    /// Upper bound owners may set for `maxusers`; 0 means none.
    public var maxOccupantsLimit: Int
    /// Upper bound owners may set for `historylength`.
    public var maxHistoryLimit: Int
    /// Service admins: owner rights in every room.
    public var admins: Set<BareJID>
    /// Whether unaffiliated users may register with a room (and so become members).
    /// Off by default, as on the widely deployed server the reference scripts come from.
    public var allowUnaffiliatedRegistration: Bool
    /// Who may create rooms.
    public var roomCreation: RoomCreationPolicy

    public init(domain: String, name: String = "Chatrooms", defaultRoomConfig: RoomConfig = RoomConfig(),
                maxOccupantsLimit: Int = 0, maxHistoryLimit: Int = 100, admins: Set<BareJID> = [],
                allowUnaffiliatedRegistration: Bool = false, roomCreation: RoomCreationPolicy = .anyone) {
        self.domain = domain
        self.name = name
        self.defaultRoomConfig = defaultRoomConfig
        self.maxOccupantsLimit = maxOccupantsLimit
        self.maxHistoryLimit = maxHistoryLimit
        self.admins = admins
        self.allowUnaffiliatedRegistration = allowUnaffiliatedRegistration
        self.roomCreation = roomCreation
    }

    /// The parent domain of the service (`localhost` for `conference.localhost`); the domain itself
    /// when it has a single label.
    var parentDomain: String {
        guard let dot = domain.firstIndex(of: ".") else { return domain }
        return String(domain[domain.index(after: dot)...])
    }

    /// Whether `user` may create a room under the creation policy.
    func mayCreateRoom(_ user: BareJID) -> Bool {
        if admins.contains(user) { return true }
        switch roomCreation {
        case .anyone: return true
        case .localUsers: return user.localpart != nil && user.domain == parentDomain
        case .adminsOnly: return false
        }
    }
}
