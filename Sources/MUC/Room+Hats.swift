import XMPPCore

/// XEP-0317 hats, managed with XEP-0050 ad-hoc commands sent to the room.
extension Room {
    /// The hat commands, by node, with their names (listed in disco#items of the commands node).
    static let hatCommands: [(node: String, name: String)] = [
        ("urn:xmpp:hats:commands:create", "Create or update a hat"),
        ("urn:xmpp:hats:commands:destroy", "Destroy a hat"),
        ("urn:xmpp:hats:commands:list", "List hats"),
        ("urn:xmpp:hats:commands:assign", "Assign a hat"),
        ("urn:xmpp:hats:commands:unassign", "Remove a hat"),
        ("urn:xmpp:hats:commands:list-assigned", "List assigned hats"),
    ]

    /// Most hats a room may define (each is shown in the presence of those who wear it).
    static let maxHats = 64

    /// Whether `user` may run the command at `node`: listing the hats is open to everyone who may
    /// see the room; the others (which change hats or show who wears them, i.e. real JIDs) are
    /// for owners, who manage the room's roles.
    func mayRunHatCommand(_ node: String, user: BareJID, _ ctx: RoomContext) -> Bool {
        node == "urn:xmpp:hats:commands:list" || affiliation(of: user, ctx) == .owner
    }

    /// One XEP-0050 request to a hat command. Without a submitted form the command answers with
    /// its form (status executing; commands are stateless: any session id is accepted, and a
    /// submission may come in the first request). With one it applies it (status completed).
    ///
    /// Errors: unknown node item-not-found (cancel); not allowed forbidden (auth); an action other
    /// than execute/complete/cancel bad-request with `<bad-action/>`; a form missing a required
    /// field or with a bad value bad-request with `<bad-payload/>`; an unknown hat item-not-found;
    /// more than `maxHats` hats not-acceptable. Creating, updating or destroying a hat tells the
    /// room (status 104, §10.2.1); every change re-sends the presence of the occupants concerned.
    mutating func hatCommand(_ iq: Element, command: Element, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        guard let node = command.attribute("node"), Room.hatCommands.contains(where: { $0.node == node }) else {
            return out.send(Build.error(iq, .itemNotFound, text: "No such command"))
        }
        guard mayRunHatCommand(node, user: real.bare, ctx) else {
            return out.send(Build.error(iq, .forbidden, type: .auth, text: "Only owners may manage hats"))
        }
        let suffix = String(node.dropFirst("urn:xmpp:hats:commands:".count))
        let session = command.attribute("sessionid") ?? suffix + "-" + (iq.attribute("id") ?? "")
        func reply(_ status: String, _ form: Element? = nil) -> Element {
            var c = Element("command", namespace: MoreNS.commands, attrs: ["node": node, "sessionid": session, "status": status])
            if let form { c.append(form) }
            return iq.iqResult(c)
        }
        func bad(_ condition: String, _ text: String) -> Element {
            iq.errorReply(StanzaError(.badRequest, text: text, extra: [Element(condition, namespace: MoreNS.commands)]))
        }
        switch command.attribute("action") ?? "execute" {
        case "cancel": return out.send(reply("canceled"))
        case "execute", "complete", "next": break
        default: return out.send(bad("bad-action", "Unsupported action"))
        }
        let form = command.child("x", namespace: NS.dataForms).flatMap(DataForm.init(element:)).flatMap { $0.type == .submit ? $0 : nil }
        switch suffix {
        case "list":
            return out.send(reply("completed", hatTable(title: "Hats List", jids: false)))
        case "list-assigned":
            return out.send(reply("completed", hatTable(title: "Assigned Hats List", jids: true)))
        case "create":
            guard let form else { return out.send(reply("executing", createForm.element)) }
            guard let uri = nonEmpty(form["hats#uri"]), let title = nonEmpty(form["hats#title"]) else {
                return out.send(bad("bad-payload", "hats#uri and hats#title are required"))
            }
            let hue = nonEmpty(form["hats#hue"])
            if let hue { guard let h = Double(hue), h >= 0, h < 360 else { return out.send(bad("bad-payload", "hats#hue must be a number from 0 to 360")) } }
            var list = hats
            if let i = list.firstIndex(where: { $0.uri == uri }) {
                list[i].title = title
                list[i].hue = hue
            } else {
                guard list.count < Room.maxHats else {
                    return out.send(Build.error(iq, .notAcceptable, text: "A room has at most \(Room.maxHats) hats"))
                }
                list.append(HatRecord(uri: uri, title: title, hue: hue))
            }
            let holders = list.first { $0.uri == uri }?.holders ?? []
            applyHats(list, refresh: holders, announce: true, reply("completed"), request: iq, ctx, &out)
        case "destroy":
            guard let form else { return out.send(reply("executing", pickForm(title: "Destroying a Hat", withJID: false).element)) }
            guard let uri = nonEmpty(form["hats#uri"]) ?? nonEmpty(form["hat"]) else {
                return out.send(bad("bad-payload", "hats#uri is required"))
            }
            guard let hat = hats.first(where: { $0.uri == uri }) else { return out.send(Build.error(iq, .itemNotFound, text: "No such hat")) }
            applyHats(hats.filter { $0.uri != uri }, refresh: hat.holders, announce: true, reply("completed"), request: iq, ctx, &out)
        case "assign", "unassign":
            let assign = suffix == "assign"
            guard let form else {
                return out.send(reply("executing", pickForm(title: assign ? "Assigning a Hat" : "Removing a Hat", withJID: true).element))
            }
            guard let uri = nonEmpty(form["hats#uri"]), let j = nonEmpty(form["hats#jid"]) else {
                return out.send(bad("bad-payload", "hats#jid and hats#uri are required"))
            }
            guard let user = (try? JID(j))?.bare else { return out.send(Build.error(iq, .jidMalformed)) }
            guard let i = hats.firstIndex(where: { $0.uri == uri }) else { return out.send(Build.error(iq, .itemNotFound, text: "No such hat")) }
            var list = hats
            if assign {
                if !list[i].holders.contains(user) { list[i].holders.append(user); list[i].holders.sort() }
            } else {
                list[i].holders.removeAll { $0 == user }
            }
            applyHats(list, refresh: [user], announce: false, reply("completed"), request: iq, ctx, &out)
        default:
            out.send(Build.error(iq, .itemNotFound, text: "No such command"))
        }
    }

    /// Stores the new hats, then answers and re-sends the presence of the occupants of `refresh`
    /// (and 104 to everyone when the definitions changed).
    private mutating func applyHats(_ list: [HatRecord], refresh: [BareJID], announce: Bool, _ result: Element,
                                    request: Element, _ ctx: RoomContext, _ out: inout ActionList) {
        let before = self
        setHats(list)
        var actions = ActionList()
        actions.send(result)
        for o in occupants where refresh.contains(o.bare) {
            publish(o, PresenceChange(), prevRole: o.role, ctx, &actions)
        }
        if announce { actions.emit(statusMessage([.configurationChanged]), to: everySession()) }
        out.append(contentsOf: committing(actions, since: before, request: request))
    }

    private func nonEmpty(_ f: DataForm.Field?) -> String? {
        guard let v = f?.value, !v.isEmpty else { return nil }
        return v
    }

    /// XEP-0317 §3.2: the form to create (or, with an existing URI, update) a hat.
    private var createForm: DataForm {
        DataForm(type: .form, formType: MoreNS.hatsCommands, title: "Creating a Hat",
                 instructions: ["Fill out this form to create a hat (an existing URI updates that hat)."],
                 fields: [
                     DataForm.Field("hats#title", type: .textSingle, label: "Hat Title", required: true),
                     DataForm.Field("hats#uri", type: .textSingle, label: "Hat URI", required: true),
                     DataForm.Field("hats#hue", type: .textSingle, label: "Hat Hue"),
                 ])
    }

    /// The forms that pick a hat (destroy), or a hat and a JID (assign, unassign).
    private func pickForm(title: String, withJID: Bool) -> DataForm {
        var fields: [DataForm.Field] = []
        if withJID { fields.append(DataForm.Field("hats#jid", type: .jidSingle, label: "User Address", required: true)) }
        fields.append(DataForm.Field("hats#uri", type: .listSingle, label: "The hat", required: true,
                                     options: hats.map { DataForm.Option($0.uri, label: $0.title) }))
        return DataForm(type: .form, formType: MoreNS.hatsCommands, title: title,
                        instructions: ["Fill out this form and submit it."],
                        fields: fields)
    }

    /// XEP-0317 §3.4, §3.7: the hats (or the assignments) as a table form (`reported` + `item`s).
    private func hatTable(title: String, jids: Bool) -> Element {
        func field(_ v: String, _ value: String? = nil) -> Element {
            var f = Element("field", namespace: NS.dataForms, attrs: ["var": v])
            if let value { f.append(.text("value", namespace: NS.dataForms, value)) }
            return f
        }
        var x = Element("x", namespace: NS.dataForms, attrs: ["type": "result"])
        x.append(.text("title", namespace: NS.dataForms, title))
        var reported = Element("reported", namespace: NS.dataForms)
        for v in (jids ? ["hats#jid"] : []) + ["hats#uri", "hats#title", "hats#hue"] { reported.append(field(v)) }
        x.append(reported)
        for h in hats {
            for holder in jids ? h.holders.map(Optional.some) : [nil] {
                var item = Element("item", namespace: NS.dataForms)
                if let holder { item.append(field("hats#jid", holder.description)) }
                item.append(field("hats#uri", h.uri))
                item.append(field("hats#title", h.title))
                if let hue = h.hue { item.append(field("hats#hue", hue)) }
                x.append(item)
            }
        }
        return x
    }

    /// `hats#hash` of the `muc#roominfo` form (XEP-0317 §2): SHA-256 of the sorted hat URIs, hex.
    var hatsHash: String? {
        guard !hats.isEmpty else { return nil }
        var bytes: [UInt8] = []
        for h in hats { bytes += h.uri.utf8; bytes.append(0x0A) }
        return Hex.encode(SHA256.digest(bytes))
    }
}
