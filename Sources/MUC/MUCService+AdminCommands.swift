import XMPPCore

/// The service admins' XEP-0050 commands on the service JID, with the nodes, forms and notes of
/// Prosody's MUC, so that an operator's client and scripts work the same against both:
///
/// - `http://prosody.im/protocol/muc#destroy`: a form whose list-multi `rooms` offers every room;
///   the submitted rooms are destroyed one after the other (each occupant gets the §10.9 destroy
///   presence; a stored room is deleted, and loaded first when it is not in memory), then the
///   command completes with the note `The following rooms were destroyed:` and one room per line.
/// - `http://prosody.im/protocol/muc#set-affiliation`: fields `room`, `jid`, `affiliation`
///   (owner, admin, member, none, outcast) and `reason`; the change takes effect as one made by an
///   owner would (occupants updated or removed, absent users announced), without permission checks
///   and without an actor, and the command completes with `Affiliation updated` once it is stored.
///
/// Both are listed in disco#items of the commands node for service admins only; anyone else gets
/// `forbidden` (auth). Commands are stateless: the form may come with the first request, any
/// session id is accepted, `cancel` answers `canceled`.
extension MUCService {
    static let destroyCommand = "http://prosody.im/protocol/muc#destroy"
    static let setAffiliationCommand = "http://prosody.im/protocol/muc#set-affiliation"
    static let adminCommands: [(node: String, name: String)] = [
        (destroyCommand, "Destroy Rooms"),
        (setAffiliationCommand, "Set affiliation in room"),
    ]
    /// Most rooms the destroy form offers (all of them, up to this many).
    static let destroyFormRoomLimit = 1_000

    /// A command working through rooms that may have to be loaded or stored first.
    struct AdminJob {
        enum Work {
            case destroy(remaining: [BareJID], destroyed: [BareJID])
            case setAffiliation(room: BareJID, jid: BareJID, affiliation: Affiliation, reason: String?)
        }
        let request: Element
        let now: Double
        let node: String
        let session: String
        var work: Work
        /// The room whose load or write the job waits for.
        var waitingOn: BareJID?
    }

    // MARK: Discovery

    /// disco#items of the commands node: the commands `user` may run.
    func adminCommandItems(for user: BareJID) -> Element {
        var q = Build.query(NS.discoItems, attrs: ["node": MoreNS.commands])
        guard settings.admins.contains(user) else { return q }
        for c in Self.adminCommands {
            q.append(Element("item", namespace: NS.discoItems, attrs: ["jid": domain, "node": c.node, "name": c.name]))
        }
        return q
    }

    /// disco#info of the commands node or of one command (XEP-0050 §2.2, §2.3); nil for another node.
    func adminCommandInfo(_ request: Element, node: String, for user: BareJID) -> Element? {
        if node == MoreNS.commands {
            return request.iqResult(Build.query(NS.discoInfo, attrs: ["node": node], children: [
                Element("identity", namespace: NS.discoInfo, attrs: ["category": "automation", "type": "command-list", "name": "Ad-Hoc Commands"]),
            ]))
        }
        guard let command = Self.adminCommands.first(where: { $0.node == node }) else { return nil }
        guard settings.admins.contains(user) else { return Build.error(request, .forbidden, type: .auth, text: Self.adminsOnlyText) }
        return request.iqResult(Build.query(NS.discoInfo, attrs: ["node": node], children: [
            Element("identity", namespace: NS.discoInfo, attrs: ["category": "automation", "type": "command-node", "name": command.name]),
            Build.feature(MoreNS.commands),
            Build.feature(NS.dataForms),
        ]))
    }

    static let adminsOnlyText = "Only service admins may run this command"

    // MARK: Execution

    /// An XEP-0050 `<command/>` (iq set) to the service.
    mutating func adminCommand(_ iq: Element, command: Element, from: JID, now: Double, _ out: inout ActionList) {
        guard let node = command.attribute("node"), Self.adminCommands.contains(where: { $0.node == node }) else {
            return out.send(Build.error(iq, .itemNotFound, text: "No such command"))
        }
        guard settings.admins.contains(from.bare) else {
            // As Prosody: the error carries the canceled command, with the reason as its note.
            var refusal = Build.error(iq, .forbidden, type: .auth, text: Self.adminsOnlyText)
            var canceled = Element("command", namespace: MoreNS.commands, attrs: ["node": node, "status": "canceled"])
            var note = Element.text("note", namespace: MoreNS.commands, Self.adminsOnlyText)
            note.setAttribute("type", "error")
            canceled.append(note)
            refusal.append(canceled)
            return out.send(refusal)
        }
        adminCommandSerial &+= 1
        let session = command.attribute("sessionid") ?? "muc-admin-\(adminCommandSerial)"
        switch command.attribute("action") ?? "execute" {
        case "cancel": return out.send(Self.commandReply(iq, node: node, session: session, status: "canceled"))
        case "execute", "complete", "next": break
        default:
            return out.send(iq.errorReply(StanzaError(.badRequest, text: "Unsupported action",
                                                      extra: [Element("bad-action", namespace: MoreNS.commands)])))
        }
        let form = command.child("x", namespace: NS.dataForms).flatMap(DataForm.init(element:)).flatMap { $0.type == .submit ? $0 : nil }
        let job: AdminJob
        if node == Self.destroyCommand {
            guard let form else { return askForRoomsToDestroy(iq, session: session, &out) }
            let rooms = form["rooms"]?.values.compactMap { try? BareJID($0) }.filter { $0.domain == domain && $0.localpart != nil } ?? []
            guard !rooms.isEmpty else {
                return out.send(Self.commandReply(iq, node: node, session: session, status: "completed",
                                                  note: ("error", "rooms: Required value missing")))
            }
            job = AdminJob(request: iq, now: now, node: node, session: session, work: .destroy(remaining: rooms, destroyed: []))
        } else {
            guard let form else {
                return out.send(Self.commandReply(iq, node: node, session: session, status: "executing",
                                                  form: Self.setAffiliationForm, actions: true))
            }
            var missing: [String] = []
            let room = Self.value(form, "room", &missing).flatMap { try? BareJID($0) }
            let jid = Self.value(form, "jid", &missing).flatMap { try? JID($0) }?.bare
            let affiliation = Self.value(form, "affiliation", &missing).flatMap(Affiliation.init(rawValue:))
            guard missing.isEmpty else {
                return out.send(Self.commandReply(iq, node: node, session: session, status: "completed",
                                                  note: ("error", missing.map { "\($0): Required value missing" }.joined(separator: "\n"))))
            }
            guard let room, room.domain == domain, room.localpart != nil, let jid, let affiliation else {
                return out.send(Self.commandReply(iq, node: node, session: session, status: "completed",
                                                  note: ("error", "room, jid and affiliation need a room of this service, a JID and one of the affiliations offered")))
            }
            let reason = form["reason"]?.values.first.flatMap { $0.isEmpty ? nil : $0 }
            job = AdminJob(request: iq, now: now, node: node, session: session,
                           work: .setAffiliation(room: room, jid: jid, affiliation: affiliation, reason: reason))
        }
        advance(job, &out)
    }

    /// The destroy form lists every room: those in memory, and with a store those stored.
    private mutating func askForRoomsToDestroy(_ iq: Element, session: String, _ out: inout ActionList) {
        guard usesStore else {
            return out.send(destroyForm(iq, session: session, stored: []))
        }
        listingSerial &+= 1
        listings[listingSerial] = PendingListing(request: iq, after: nil, max: Self.destroyFormRoomLimit, rsm: false,
                                                 purpose: .destroyForm(session: session))
        out.append(.listRooms(RoomListing(id: listingSerial, after: nil, limit: Self.destroyFormRoomLimit, publicOnly: false)))
    }

    /// The destroy command's form, with the stored rooms and those in memory as options.
    func destroyForm(_ iq: Element, session: String, stored: [RoomSummary]) -> Element {
        let all = Set(stored.map(\.jid)).union(rooms.keys).sorted().prefix(Self.destroyFormRoomLimit)
        let form = DataForm(type: .form, formType: Self.destroyCommand, title: "Destroy rooms",
                            instructions: ["Select the rooms to destroy"],
                            fields: [DataForm.Field("rooms", type: .listMulti, label: "Rooms to destroy:", required: true,
                                                    options: all.map { DataForm.Option($0.description) })])
        return Self.commandReply(iq, node: Self.destroyCommand, session: session, status: "executing", form: form, actions: true)
    }

    static var setAffiliationForm: DataForm {
        DataForm(type: .form, formType: setAffiliationCommand, title: "Set affiliation",
                 fields: [
                    DataForm.Field("room", type: .jidSingle, label: "Room", required: true),
                    DataForm.Field("jid", type: .jidSingle, label: "JID", required: true),
                    DataForm.Field("affiliation", type: .listSingle, label: "Affiliation", required: true,
                                   options: [Affiliation.owner, .admin, .member, .none, .outcast].map { DataForm.Option($0.rawValue) }),
                    DataForm.Field("reason", type: .textSingle, label: "Reason"),
                 ])
    }

    private static func value(_ form: DataForm, _ name: String, _ missing: inout [String]) -> String? {
        guard let v = form[name]?.values.first, !v.isEmpty else { missing.append(name); return nil }
        return v
    }

    /// `<iq type='result'><command node sessionid status>` with a form (and the actions offered
    /// with it) or a note.
    static func commandReply(_ iq: Element, node: String, session: String, status: String,
                             form: DataForm? = nil, actions: Bool = false, note: (type: String, text: String)? = nil) -> Element {
        var c = Element("command", namespace: MoreNS.commands, attrs: ["node": node, "sessionid": session, "status": status])
        if actions {
            c.append(Element("actions", namespace: MoreNS.commands, attrs: ["execute": "complete"], children: [
                Element("next", namespace: MoreNS.commands), Element("complete", namespace: MoreNS.commands),
            ]))
        }
        if let note {
            var n = Element.text("note", namespace: MoreNS.commands, note.text)
            n.setAttribute("type", note.type)
            c.append(n)
        }
        if let form { c.append(form.element) }
        return iq.iqResult(c)
    }

    // MARK: Working through the rooms

    /// Carries the job on until it waits for a room's load or write, or completes.
    private mutating func advance(_ job: AdminJob, _ out: inout ActionList) {
        var job = job
        job.waitingOn = nil
        let ctx = context(now: job.now)
        while true {
            let room: BareJID
            switch job.work {
            case .destroy(let remaining, let destroyed):
                guard let next = remaining.first else {
                    let lines = ["The following rooms were destroyed:"] + destroyed.map(\.description)
                    return out.send(Self.commandReply(job.request, node: job.node, session: job.session, status: "completed",
                                                      note: ("info", lines.joined(separator: "\n"))))
                }
                room = next
            case .setAffiliation(let r, _, _, _):
                room = r
            }
            if holds[room] != nil {
                job.waitingOn = room
                adminJobs.append(job)
                return
            }
            if rooms[room] != nil {
                let mark = out.actions.count
                switch job.work {
                case .destroy(var remaining, var destroyed):
                    remaining.removeFirst()
                    destroyed.append(room)
                    job.work = .destroy(remaining: remaining, destroyed: destroyed)
                    rooms[room]?.destroyByService(request: job.request, ctx, &out)
                case .setAffiliation(_, let jid, let affiliation, let reason):
                    let done = Self.commandReply(job.request, node: job.node, session: job.session, status: "completed",
                                                 note: ("info", "Affiliation updated"))
                    rooms[room]?.setAffiliationByService(jid, affiliation, reason: reason, request: job.request, then: [done], ctx, &out)
                }
                if out.pendingWrite != nil { startWrite(room, &out) }
                gateOutput(room, from: mark, &out)
                if rooms[room]?.isDisposable == true { rooms[room] = nil }
                if case .setAffiliation = job.work { return }
                if holds[room] != nil {
                    job.waitingOn = room
                    adminJobs.append(job)
                    return
                }
                continue
            }
            if usesStore && !absentRooms.contains(room) && makeSpaceForRoom() {
                holds[room] = RoomHold(state: .loading)
                out.append(.loadRoom(room))
                job.waitingOn = room
                adminJobs.append(job)
                return
            }
            // Not a room of this service (or no space to load it).
            switch job.work {
            case .destroy(var remaining, let destroyed):
                remaining.removeFirst()
                job.work = .destroy(remaining: remaining, destroyed: destroyed)
            case .setAffiliation:
                return out.send(Self.commandReply(job.request, node: job.node, session: job.session, status: "canceled",
                                                  note: ("error", "No such room")))
            }
        }
    }

    /// A room's load or write ended: the jobs waiting for it go on. `failedRequest` is the request
    /// a failed write refused: a job whose own change failed stops there (the admin has the error).
    mutating func resumeAdminJobs(after room: BareJID, failedRequest: Element? = nil, loadFailed: Bool = false, _ out: inout ActionList) {
        guard adminJobs.contains(where: { $0.waitingOn == room }) else { return }
        let waiting = adminJobs.filter { $0.waitingOn == room }
        adminJobs.removeAll { $0.waitingOn == room }
        for job in waiting {
            if loadFailed {
                out.send(Build.error(job.request, .internalServerError, type: .wait, text: Self.storageText))
                continue
            }
            if let failedRequest, failedRequest == job.request { continue }
            advance(job, &out)
        }
    }
}
