import XMPPCore

/// Who may create rooms (XEP-0045 §10.1.1: creation MAY be restricted; refused with not-allowed).
/// The raw value is the configuration file's spelling (`service.room_creation`).
public enum RoomCreationPolicy: String, Sendable, Equatable, CaseIterable {
    /// Any user.
    case anyone
    /// Users of the parent domain of the service (`localhost` for `conference.localhost`), and admins.
    case localUsers = "local"
    /// Service admins only.
    case adminsOnly = "admins"
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
    /// Most rooms in memory at once; 0 means no bound. At the bound, a room that is persistent,
    /// configured and empty is dropped from memory to make space (only when `MUCService.unloadsIdleRooms`:
    /// a store keeps it), else creating (or loading) another is refused with `resource-constraint`.
    public var maxRooms: Int = 0
    /// Service admins: they may create rooms whatever `roomCreation` says and run the service's
    /// admin commands (`MUCService+AdminCommands.swift`); owners of every room only with `adminsAreOwners`.
    public var admins: Set<BareJID>
    /// Whether service admins are owners of every room (shown as such, with every owner right).
    /// Off by default, as in Prosody 13 (`component_admins_as_room_owners`): an operator's account
    /// then enters rooms as anyone does, and acts on them through the admin commands.
    public var adminsAreOwners: Bool = false
    /// Whether unaffiliated users may register with a room (and so become members).
    /// Off by default, as on the widely deployed server the reference scripts come from.
    public var allowUnaffiliatedRegistration: Bool
    /// Who may create rooms.
    public var roomCreation: RoomCreationPolicy
    /// XEP-0045 §9.9: when unaffiliated users may not register directly
    /// (`allowUnaffiliatedRegistration` off, or a members-only room), their registration request
    /// goes to the room's admins and owners as an approval form instead of being refused; an
    /// approving submission makes them members with the nick they asked for. Off by default
    /// (the reference scripts expect a refusal).
    public var registrationApproval: Bool
    /// Secret key of the ids rooms derive: XEP-0421 occupant ids (a keyed hash of room and real bare
    /// JID) and XEP-0359 stanza ids. The runtime must set it to random bytes (32 are plenty) that
    /// are kept secret and kept across restarts: occupant ids must stay the same for the same user,
    /// and whoever knows the key can test guesses of a real JID against an occupant id. Empty by
    /// default (ids are then unique but guessable: fine for tests, not for a deployment).
    public var idSecret: [UInt8]
    /// A value that differs between runs of the service (random bytes, or the start time): stanza
    /// ids count messages from zero again after a restart, and this keeps them unique across runs.
    public var instanceID: String
    /// The keyed hash behind those ids: HMAC-SHA256(key, message). Defaults to the plain-Swift
    /// `HMACSHA256.authenticationCode`; the runtime may pass an equivalent (e.g. swift-crypto's
    /// `HMAC<SHA256>`), which gives the same ids, faster.
    public var keyedHash: @Sendable (_ key: [UInt8], _ message: [UInt8]) -> [UInt8]
    /// The rooms' message archive (XEP-0313). It takes effect only in a service that has an archive
    /// store (`MUCService(usesArchive:)`).
    public var archive = ArchiveSettings()

    public init(domain: String, name: String = "Chatrooms", defaultRoomConfig: RoomConfig = RoomConfig(),
                maxOccupantsLimit: Int = 0, maxHistoryLimit: Int = 100, admins: Set<BareJID> = [],
                allowUnaffiliatedRegistration: Bool = false, roomCreation: RoomCreationPolicy = .anyone,
                registrationApproval: Bool = false, idSecret: [UInt8] = [], instanceID: String = "",
                keyedHash: @escaping @Sendable (_ key: [UInt8], _ message: [UInt8]) -> [UInt8] = HMACSHA256.authenticationCode) {
        self.domain = domain
        self.name = name
        self.defaultRoomConfig = defaultRoomConfig
        self.maxOccupantsLimit = maxOccupantsLimit
        self.maxHistoryLimit = maxHistoryLimit
        self.admins = admins
        self.allowUnaffiliatedRegistration = allowUnaffiliatedRegistration
        self.roomCreation = roomCreation
        self.registrationApproval = registrationApproval
        self.idSecret = idSecret
        self.instanceID = instanceID
        self.keyedHash = keyedHash
    }

    /// XEP-0421: the occupant id of `user` in `room`: stable (same inputs, same id), different in
    /// each room, and not reversible without `idSecret`. 11 bytes (88 bits) of the keyed hash,
    /// base64url: 15 characters, which Swift keeps inside the string value itself, so the id
    /// costs an occupant no allocation (22 characters would take a ~80-byte one per occupant).
    /// Two occupants of a room share an id with a chance of about n² / 2⁸⁹.
    func occupantID(room: BareJID, user: BareJID) -> String {
        var message = Array("occupant-id\u{0}".utf8)
        message += room.description.utf8
        message.append(0)
        message += user.description.utf8
        return Base64URL.encode(keyedHash(idSecret, message).prefix(Self.occupantIDBytes))
    }

    /// Bytes of the keyed hash in an occupant id (see `occupantID`).
    static let occupantIDBytes = 11

    /// XEP-0359: a stanza id, unique for (run, room instance, message number, time) and
    /// unpredictable without `idSecret`; it reveals nothing (not the number of messages).
    func stanzaID(room: BareJID, serial: UInt64, counter: UInt64, now: Double) -> String {
        var message = Array("stanza-id\u{0}".utf8)
        message += instanceID.utf8
        message.append(0)
        message += room.description.utf8
        for v in [serial, counter, now.bitPattern] {
            message.append(0)
            for s in stride(from: 56, through: 0, by: -8) { message.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
        }
        return Base64URL.encode(keyedHash(idSecret, message).prefix(16))
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
