import XMPPCore

extension Room {
    /// The name shown for the room: its configured name, else its localpart.
    var displayName: String { config.name.isEmpty ? (jid.localpart ?? address) : config.name }

    /// disco#info of the room (§6.4), of the `x-roomuser-item` node (§7.12), of a hat command
    /// node (XEP-0050 §2.3), or of the `muc#traffic` node (§18.1.1: the room discards no
    /// namespaces and does not support that node: feature-not-implemented, as §18.1.1 says).
    func discoInfo(_ iq: Element, node: String?, from real: JID, _ ctx: RoomContext) -> Element {
        switch node {
        case nil:
            var q = Build.query(NS.discoInfo)
            q.append(Build.conferenceIdentity(name: displayName))
            for f in features(ctx) { q.append(Build.feature(f)) }
            q.append(roomInfoForm.element)
            return iq.iqResult(q)
        case "x-roomuser-item"?:
            var q = Build.query(NS.discoInfo, attrs: ["node": "x-roomuser-item"])
            if let nick = reservedNick(of: real.bare) { q.append(Build.conferenceIdentity(name: nick)) }
            return iq.iqResult(q)
        case "http://jabber.org/protocol/muc#traffic"?:
            return Build.error(iq, .featureNotImplemented)
        case let n? where Room.hatCommands.contains(where: { $0.node == n }) && mayRunHatCommand(n, user: real.bare, ctx):
            let name = Room.hatCommands.first { $0.node == n }?.name
            var q = Build.query(NS.discoInfo, attrs: ["node": n])
            q.append(Element("identity", namespace: NS.discoInfo, attrs: ["category": "automation", "name": name, "type": "command-node"]))
            q.append(Build.feature(MoreNS.commands))
            q.append(Build.feature(NS.dataForms))
            return iq.iqResult(q)
        case _?:
            return Build.error(iq, .itemNotFound)
        }
    }

    /// disco#items of the room (§6.5): the occupants the requester can see in the room (their
    /// occupant JIDs, named by nick) for occupants, who get that list anyway; an empty list for
    /// everyone else (the XEP advises keeping the occupant list private). The ad-hoc commands
    /// node (XEP-0050 §2.2) lists the hat commands the requester may run.
    func discoItems(_ iq: Element, node: String?, from real: JID, _ ctx: RoomContext) -> Element {
        var q = Build.query(NS.discoItems, attrs: ["node": node])
        switch node {
        case nil:
            guard let viewer = occupant(session: real) else { return iq.iqResult(q) }
            for o in occupants where o.bare == viewer.bare || config.presenceBroadcast.contains(o.role) {
                q.append(Element("item", namespace: NS.discoItems, attrs: ["jid": occupantAddress(o.nick), "name": o.nick]))
            }
        case MoreNS.commands?:
            for c in Room.hatCommands where mayRunHatCommand(c.node, user: real.bare, ctx) {
                q.append(Element("item", namespace: NS.discoItems, attrs: ["jid": address, "name": c.name, "node": c.node]))
            }
        case let n?:
            return Build.error(iq, .itemNotFound, text: "No such node: \(n)")
        }
        return iq.iqResult(q)
    }

    /// The room's features (§6.4, §16.3): what it supports and its room types; XEP-0313 when the
    /// room archives (clients fetch history from the archive only when it is advertised).
    func features(_ ctx: RoomContext) -> [String] {
        var list = [
            NS.muc, NS.mucStableID, NS.selfPing, NS.register, NS.discoInfo, NS.discoItems, NS.ping,
            NS.occupantID, NS.stanzaID, NS.moderate, NS.hats, MoreNS.commands,
            config.passwordProtected ? "muc_passwordprotected" : "muc_unsecured",
            config.isPublic ? "muc_public" : "muc_hidden",
            config.persistent ? "muc_persistent" : "muc_temporary",
            config.membersOnly ? "muc_membersonly" : "muc_open",
            config.moderated ? "muc_moderated" : "muc_unmoderated",
            config.whois == .anyone ? "muc_nonanonymous" : "muc_semianonymous",
        ]
        if archives(ctx) { list.append(MoreNS.mam) }
        return list
    }

    /// The `muc#roominfo` extension (§6.4, XEP-0128). Never the password. Contact addresses (the
    /// owners' bare JIDs) only in non-anonymous rooms, where real JIDs are not private.
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
        if config.whois == .anyone {
            let owners = listed(.owner)
            if !owners.isEmpty {
                fields.append(F("muc#roominfo_contactjid", type: .jidMulti, label: "Contact addresses", values: owners.map(\.description)))
            }
        }
        if let hash = hatsHash {
            fields.append(F("hats#hash", type: .textSingle, label: "Hats hash", values: [hash]))
        }
        return DataForm(type: .result, formType: NS.mucRoomInfo, fields: fields)
    }
}
