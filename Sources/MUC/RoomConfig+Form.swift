import XMPPCore

/// `var` names of the `muc#roomconfig` form (XEP-0045 §16.5.3).
enum ConfigField {
    static let roomName = "muc#roomconfig_roomname"
    static let roomDesc = "muc#roomconfig_roomdesc"
    static let lang = "muc#roomconfig_lang"
    static let persistent = "muc#roomconfig_persistentroom"
    static let publicRoom = "muc#roomconfig_publicroom"
    static let membersOnly = "muc#roomconfig_membersonly"
    static let moderated = "muc#roomconfig_moderatedroom"
    static let passwordProtected = "muc#roomconfig_passwordprotectedroom"
    static let roomSecret = "muc#roomconfig_roomsecret"
    static let whois = "muc#roomconfig_whois"
    static let presenceBroadcast = "muc#roomconfig_presencebroadcast"
    static let getMemberList = "muc#roomconfig_getmemberlist"
    static let allowInvites = "muc#roomconfig_allowinvites"
    static let allowPM = "muc#roomconfig_allowpm"
    static let changeSubject = "muc#roomconfig_changesubject"
    static let enableLogging = "muc#roomconfig_enablelogging"
    static let maxUsers = "muc#roomconfig_maxusers"
    static let historyLength = "muc#roomconfig_historylength"
    /// XEP-0313 room archiving (the name Prosody and ejabberd offer); `mam` and
    /// `muc#roomconfig_mam` are accepted on submission too (Conversations sends all three).
    static let enableArchiving = "muc#roomconfig_enablearchiving"
    static let archivingAliases = ["mam", "muc#roomconfig_mam"]
    /// The XEP's registered name for the history length; accepted on submission as an alias.
    static let maxHistoryFetch = "muc#maxhistoryfetch"
    static let roomAdmins = "muc#roomconfig_roomadmins"
    static let roomOwners = "muc#roomconfig_roomowners"
}

/// A configuration submission, read and validated.
struct ConfigSubmission {
    var config: RoomConfig
    /// Full owner list when `muc#roomconfig_roomowners` was submitted.
    var owners: [BareJID]?
    /// Full admin list when `muc#roomconfig_roomadmins` was submitted.
    var admins: [BareJID]?
}

extension RoomConfig {
    /// The configuration form with the current values (§10.1.3, §10.2). The password appears here
    /// only, and this form goes to owners only.
    /// `archiving` is whether the room archives now; nil when the service keeps no archive (the
    /// field is not offered then).
    func form(room: BareJID, owners: [BareJID], admins: [BareJID], maxUsersLimit: Int, archiving: Bool?) -> DataForm {
        typealias F = DataForm.Field
        func text(_ v: String, _ label: String, _ value: String, type: DataForm.FieldType = .textSingle) -> F {
            F(v, type: type, label: label, values: value.isEmpty ? [] : [value])
        }
        func options(_ values: [(String, String)]) -> [DataForm.Option] { values.map { DataForm.Option($0.0, label: $0.1) } }
        let roleOptions: [(String, String)] = [("moderator", "Moderator"), ("participant", "Participant"), ("visitor", "Visitor")]
        let maxUsers = effectiveMaxUsers(limit: maxUsersLimit)
        var maxUserValues = [10, 20, 30, 50, 100].filter { maxUsersLimit == 0 || $0 <= maxUsersLimit }
        if maxUsers > 0 && !maxUserValues.contains(maxUsers) { maxUserValues.append(maxUsers); maxUserValues.sort() }
        var maxUserOptions = maxUserValues.map { (String($0), String($0)) }
        if maxUsersLimit == 0 { maxUserOptions.append(("none", "No limit")) }
        var fields: [F] = [
            text(ConfigField.roomName, "Name", name),
            text(ConfigField.roomDesc, "Description", description),
            text(ConfigField.lang, "Language of discussion", language),
            .boolean(ConfigField.persistent, persistent, label: "Persistent (kept when the last occupant leaves)"),
            .boolean(ConfigField.publicRoom, isPublic, label: "Listed in the public room directory"),
            .boolean(ConfigField.membersOnly, membersOnly, label: "Members only"),
            .boolean(ConfigField.moderated, moderated, label: "Moderated (visitors need voice to speak)"),
            .boolean(ConfigField.passwordProtected, passwordProtected, label: "Password required to enter"),
            text(ConfigField.roomSecret, "Password", password, type: .textPrivate),
            F(ConfigField.whois, type: .listSingle, label: "Who may discover real JIDs", values: [whois.rawValue],
              options: options([("moderators", "Moderators only"), ("anyone", "Anyone")])),
            F(ConfigField.presenceBroadcast, type: .listMulti, label: "Roles whose presence is broadcast",
              values: Role.ordered.filter { presenceBroadcast.contains($0) }.map(\.rawValue),
              options: options(roleOptions + [("none", "Absent members")])),
            F(ConfigField.getMemberList, type: .listMulti, label: "Roles that may retrieve the member list",
              values: Role.ordered.filter { getMemberList.contains($0) }.map(\.rawValue),
              options: options(roleOptions)),
            .boolean(ConfigField.allowInvites, allowInvites, label: "Members may invite others"),
            F(ConfigField.allowPM, type: .listSingle, label: "Who may send private messages", values: [allowPM.rawValue],
              options: options([("anyone", "Anyone"), ("participants", "Anyone with voice"),
                                ("moderators", "Moderators only"), ("none", "Nobody")])),
            .boolean(ConfigField.changeSubject, changeSubject, label: "Occupants may change the subject"),
            .boolean(ConfigField.enableLogging, false, label: "Public logging (not supported)"),
            F(ConfigField.maxUsers, type: .listSingle, label: "Maximum number of occupants",
              values: [maxUsers == 0 ? "none" : String(maxUsers)], options: options(maxUserOptions)),
            text(ConfigField.historyLength, "Number of history messages kept", String(historyLength)),
            F(ConfigField.roomAdmins, type: .jidMulti, label: "Room admins", values: admins.map(\.description)),
            F(ConfigField.roomOwners, type: .jidMulti, label: "Room owners", values: owners.map(\.description)),
        ]
        if let archiving {
            fields.append(.boolean(ConfigField.enableArchiving, archiving, label: "Archive messages (message history for clients)"))
        }
        return DataForm(type: .form, formType: NS.mucRoomConfig,
                         title: "Configuration for \(room)",
                         instructions: ["Complete this form to configure the room."], fields: fields)
    }

    /// Reads a submitted form over the current configuration (§10.2). Absent fields keep their
    /// value; unknown fields are ignored; a bad value refuses the whole submission with
    /// not-acceptable (§10.1.3). The form's FORM_TYPE is checked by the caller.
    func applying(_ form: DataForm, maxUsersLimit: Int, maxHistoryLimit: Int) -> Result<ConfigSubmission, StanzaError> {
        func bad(_ text: String) -> StanzaError { StanzaError(.notAcceptable, type: .modify, text: text) }
        func bool(_ f: DataForm.Field) throws(StanzaError) -> Bool {
            if f.values.isEmpty { return false }
            guard let b = f.boolValue else { throw bad("\(f.variable ?? "field") must be a boolean") }
            return b
        }
        func roles(_ f: DataForm.Field, allowNone: Bool) throws(StanzaError) -> Set<Role> {
            var out = Set<Role>()
            for v in f.values {
                guard let r = Role(rawValue: v), allowNone || r != .none else { throw bad("unknown role '\(v)' in \(f.variable ?? "field")") }
                out.insert(r)
            }
            return out
        }
        func jids(_ f: DataForm.Field) throws(StanzaError) -> [BareJID] {
            var out: [BareJID] = []
            for v in f.values where !v.isEmpty {
                guard let j = try? JID(v) else { throw bad("'\(v)' is not a JID") }
                if !out.contains(j.bare) { out.append(j.bare) }
            }
            return out
        }
        var c = self
        var submission = ConfigSubmission(config: self)
        var secret: String?
        var protectedFlag: Bool?
        do throws(StanzaError) {
            for f in form.fields {
                guard let v = f.variable else { continue }
                switch v {
                case ConfigField.roomName: c.name = f.value ?? ""
                case ConfigField.roomDesc: c.description = f.value ?? ""
                case ConfigField.lang: c.language = f.value ?? ""
                case ConfigField.persistent: c.persistent = try bool(f)
                case ConfigField.publicRoom: c.isPublic = try bool(f)
                case ConfigField.membersOnly: c.membersOnly = try bool(f)
                case ConfigField.moderated: c.moderated = try bool(f)
                case ConfigField.passwordProtected: protectedFlag = try bool(f)
                case ConfigField.roomSecret: secret = f.value ?? ""
                case ConfigField.whois:
                    guard let w = f.value.flatMap(Whois.init(rawValue:)) else { throw bad("whois must be 'moderators' or 'anyone'") }
                    c.whois = w
                case ConfigField.presenceBroadcast: c.presenceBroadcast = try roles(f, allowNone: true)
                case ConfigField.getMemberList: c.getMemberList = try roles(f, allowNone: false)
                case ConfigField.allowInvites: c.allowInvites = try bool(f)
                case ConfigField.allowPM:
                    guard let p = f.value.flatMap(AllowPM.init(rawValue:)) else { throw bad("allowpm must be anyone, participants, moderators or none") }
                    c.allowPM = p
                case ConfigField.changeSubject: c.changeSubject = try bool(f)
                case ConfigField.enableLogging:
                    if try bool(f) { throw bad("public logging is not supported") }
                case ConfigField.maxUsers:
                    let s = f.value ?? ""
                    var n = 0
                    if s != "none" && !s.isEmpty {
                        guard let i = Int(s), i >= 0 else { throw bad("maxusers must be a number or 'none'") }
                        n = i
                    }
                    if maxUsersLimit > 0 && (n == 0 || n > maxUsersLimit) {
                        throw bad("maxusers must be between 1 and \(maxUsersLimit)")
                    }
                    c.maxUsers = n
                case ConfigField.historyLength, ConfigField.maxHistoryFetch:
                    guard let i = f.value.flatMap({ Int($0) }), i >= 0, i <= maxHistoryLimit else {
                        throw bad("history length must be a number from 0 to \(maxHistoryLimit)")
                    }
                    c.historyLength = i
                case ConfigField.enableArchiving: c.archiving = try bool(f)
                case _ where ConfigField.archivingAliases.contains(v): c.archiving = try bool(f)
                case ConfigField.roomAdmins: submission.admins = try jids(f)
                case ConfigField.roomOwners: submission.owners = try jids(f)
                default: continue
                }
            }
            // The password: `roomsecret` sets it (empty clears it, so submitting the secret alone
            // is enough). `passwordprotectedroom` counts only when it differs from the current
            // state, i.e. when the owner toggled it: off clears the password, on requires one.
            var password = secret ?? c.password
            if let flag = protectedFlag, flag != passwordProtected {
                if !flag { password = "" }
                else if password.isEmpty { throw bad("a password-protected room needs a password") }
            }
            c.password = password
            if let owners = submission.owners {
                if owners.isEmpty { throw bad("a room needs at least one owner") }
                if let admins = submission.admins, admins.contains(where: owners.contains) {
                    throw bad("a JID cannot be both owner and admin")
                }
            }
        } catch {
            return .failure(error)
        }
        submission.config = c
        return .success(submission)
    }
}
