import XMPPCore

extension Room {
    /// The name shown for the room: its configured name, else its localpart.
    var displayName: String { config.name.isEmpty ? (jid.localpart ?? address) : config.name }

    /// disco#info of the room (§6.4), of the `x-roomuser-item` node (§7.12), or of the
    /// `muc#traffic` node (§18.1.1: we discard no namespaces, so service-unavailable).
    func discoInfo(_ iq: Element, node: String?, from real: JID, _ ctx: RoomContext) -> Element {
        switch node {
        case nil:
            var q = Build.query(NS.discoInfo)
            q.append(Build.conferenceIdentity(name: displayName))
            for f in features { q.append(Build.feature(f)) }
            q.append(roomInfoForm.element)
            return iq.iqResult(q)
        case "x-roomuser-item"?:
            var q = Build.query(NS.discoInfo, attrs: ["node": "x-roomuser-item"])
            if let nick = reservedNick(of: real.bare) { q.append(Build.conferenceIdentity(name: nick)) }
            return iq.iqResult(q)
        case "http://jabber.org/protocol/muc#traffic"?:
            return Build.error(iq, .serviceUnavailable)
        case _?:
            return Build.error(iq, .itemNotFound)
        }
    }

    /// The room's features (§6.4, §16.3): what it supports and its room types.
    var features: [String] {
        [
            NS.muc, NS.mucStableID, NS.selfPing, NS.register, NS.discoInfo, NS.discoItems, NS.ping,
            config.passwordProtected ? "muc_passwordprotected" : "muc_unsecured",
            config.isPublic ? "muc_public" : "muc_hidden",
            config.persistent ? "muc_persistent" : "muc_temporary",
            config.membersOnly ? "muc_membersonly" : "muc_open",
            config.moderated ? "muc_moderated" : "muc_unmoderated",
            config.whois == .anyone ? "muc_nonanonymous" : "muc_semianonymous",
        ]
    }

    /// The `muc#roominfo` extension (§6.4, XEP-0128). Never the password.
    var roomInfoForm: DataForm {
        typealias F = DataForm.Field
        var fields: [F] = [
            F("muc#roominfo_description", label: "Description", values: [config.description]),
            F("muc#roominfo_subject", label: "Subject", values: [subject]),
            F("muc#roominfo_occupants", label: "Number of occupants", values: [String(occupantCount)]),
            F("muc#roomconfig_changesubject", label: "Occupants may change the subject", values: [config.changeSubject ? "1" : "0"]),
            F("muc#maxhistoryfetch", label: "Maximum number of history messages returned", values: [String(config.historyLength)]),
        ]
        if !config.language.isEmpty {
            fields.append(F("muc#roominfo_lang", label: "Language of discussion", values: [config.language]))
        }
        return DataForm(type: .result, formType: NS.mucRoomInfo, fields: fields)
    }
}
