/// Who may discover occupants' real JIDs (`muc#roomconfig_whois`, XEP-0045 §10.2).
public enum Whois: String, Sendable, Hashable, Codable, CaseIterable {
    /// Semi-anonymous: only moderators see real JIDs.
    case moderators
    /// Non-anonymous: every occupant sees real JIDs.
    case anyone
}

/// Who may send private messages (`muc#roomconfig_allowpm`).
public enum AllowPM: String, Sendable, Hashable, Codable, CaseIterable {
    case anyone, participants, moderators, none

    /// Whether an occupant with this role may send a private message.
    func allows(_ role: Role) -> Bool {
        switch self {
        case .anyone: return role >= .visitor
        case .participants: return role >= .participant
        case .moderators: return role == .moderator
        case .none: return false
        }
    }
}

/// A room's configuration: every standard `muc#roomconfig` field (XEP-0045 §10.2, §16.5.3).
/// A plain value so that the runtime can map a config file into it and storage can keep it.
public struct RoomConfig: Sendable, Equatable, Codable {
    /// `muc#roomconfig_roomname`: natural-language name; empty means none (the localpart is shown).
    public var name: String
    /// `muc#roomconfig_roomdesc`.
    public var description: String
    /// `muc#roomconfig_lang`: language of discussion; empty means unspecified.
    public var language: String
    /// `muc#roomconfig_persistentroom`: survives its last occupant leaving; stored.
    public var persistent: Bool
    /// `muc#roomconfig_publicroom`: listed in the service's disco#items.
    public var isPublic: Bool
    /// `muc#roomconfig_membersonly`.
    public var membersOnly: Bool
    /// `muc#roomconfig_moderatedroom`: unaffiliated users enter as visitors.
    public var moderated: Bool
    /// `muc#roomconfig_roomsecret`: the room is password-protected exactly when this is not empty
    /// (`muc#roomconfig_passwordprotectedroom` is derived from it).
    public var password: String
    /// `muc#roomconfig_whois`.
    public var whois: Whois
    /// `muc#roomconfig_presencebroadcast`: roles whose presence is broadcast. `.none` (a widely
    /// deployed extension) also announces absent affiliated users to joiners as unavailable presence.
    public var presenceBroadcast: Set<Role>
    /// `muc#roomconfig_getmemberlist`: roles (besides admins and owners) that may retrieve the member list.
    public var getMemberList: Set<Role>
    /// `muc#roomconfig_allowinvites`: members may invite others into a members-only room.
    public var allowInvites: Bool
    /// `muc#roomconfig_allowpm`.
    public var allowPM: AllowPM
    /// `muc#roomconfig_changesubject`: participants (not only moderators) may change the subject.
    public var changeSubject: Bool
    /// `muc#roomconfig_maxusers`: 0 means no limit.
    public var maxUsers: Int
    /// `muc#roomconfig_historylength`: how many messages of history the room keeps and sends.
    public var historyLength: Int
    /// `muc#roomconfig_enablearchiving`: whether the room keeps its messages in the archive
    /// (XEP-0313); nil until an owner chooses, and then the service's default applies.
    public var archiving: Bool?

    public init(name: String = "", description: String = "", language: String = "",
                persistent: Bool = false, isPublic: Bool = true, membersOnly: Bool = false,
                moderated: Bool = false, password: String = "", whois: Whois = .moderators,
                presenceBroadcast: Set<Role> = [.moderator, .participant, .visitor],
                getMemberList: Set<Role> = [.moderator],
                allowInvites: Bool = false, allowPM: AllowPM = .anyone, changeSubject: Bool = false,
                maxUsers: Int = 200, historyLength: Int = 20, archiving: Bool? = nil) {
        self.name = name
        self.description = description
        self.language = language
        self.persistent = persistent
        self.isPublic = isPublic
        self.membersOnly = membersOnly
        self.moderated = moderated
        self.password = password
        self.whois = whois
        self.presenceBroadcast = presenceBroadcast
        self.getMemberList = getMemberList
        self.allowInvites = allowInvites
        self.allowPM = allowPM
        self.changeSubject = changeSubject
        self.maxUsers = maxUsers
        self.historyLength = historyLength
        self.archiving = archiving
    }

    enum CodingKeys: String, CodingKey {
        case name, description, language, persistent, isPublic, membersOnly, moderated, password, whois
        case presenceBroadcast, getMemberList, allowInvites, allowPM, changeSubject, maxUsers, historyLength, archiving
    }

    /// Reads a stored configuration; a field missing from it (a document written before the field
    /// existed) takes the default of `init()`, so stored rooms keep loading as fields are added.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RoomConfig()
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? d.name
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? d.description
        language = try c.decodeIfPresent(String.self, forKey: .language) ?? d.language
        persistent = try c.decodeIfPresent(Bool.self, forKey: .persistent) ?? d.persistent
        isPublic = try c.decodeIfPresent(Bool.self, forKey: .isPublic) ?? d.isPublic
        membersOnly = try c.decodeIfPresent(Bool.self, forKey: .membersOnly) ?? d.membersOnly
        moderated = try c.decodeIfPresent(Bool.self, forKey: .moderated) ?? d.moderated
        password = try c.decodeIfPresent(String.self, forKey: .password) ?? d.password
        whois = try c.decodeIfPresent(Whois.self, forKey: .whois) ?? d.whois
        presenceBroadcast = try c.decodeIfPresent(Set<Role>.self, forKey: .presenceBroadcast) ?? d.presenceBroadcast
        getMemberList = try c.decodeIfPresent(Set<Role>.self, forKey: .getMemberList) ?? d.getMemberList
        allowInvites = try c.decodeIfPresent(Bool.self, forKey: .allowInvites) ?? d.allowInvites
        allowPM = try c.decodeIfPresent(AllowPM.self, forKey: .allowPM) ?? d.allowPM
        changeSubject = try c.decodeIfPresent(Bool.self, forKey: .changeSubject) ?? d.changeSubject
        maxUsers = try c.decodeIfPresent(Int.self, forKey: .maxUsers) ?? d.maxUsers
        historyLength = try c.decodeIfPresent(Int.self, forKey: .historyLength) ?? d.historyLength
        archiving = try c.decodeIfPresent(Bool.self, forKey: .archiving)
    }

    /// `muc#roomconfig_passwordprotectedroom`.
    public var passwordProtected: Bool { !password.isEmpty }

    /// The occupant limit in force: the room's, bounded by the service's (0 = none).
    func effectiveMaxUsers(limit: Int) -> Int {
        guard limit > 0 else { return maxUsers }
        return maxUsers == 0 ? limit : min(maxUsers, limit)
    }

    /// Whether an occupant with this role sees real JIDs (§7.2.3, §7.2.4).
    func seesRealJIDs(_ role: Role) -> Bool {
        switch whois {
        case .anyone: return true
        case .moderators: return role == .moderator
        }
    }
}
