import XMPPCore

/// Who caused a change, shown in `<actor/>` (§8.2, §9.1, §9.4): moderators' copies carry the
/// actor's nick and full JID, everyone else's (including the target's own) only the nick.
struct Actor {
    var nick: String?
    var jid: JID?
}

/// How an occupant's presence is announced.
struct PresenceChange {
    /// `nil` for available, `"unavailable"`.
    var type: String?
    /// The client's id, reflected (§7.2.2 "for tracking purposes").
    var id: String?
    /// Payload to reflect; nil means the occupant's stored payload.
    var payload: [Element]?
    /// Status codes before the items (201, 301, 303, 307, 321, 322, 333).
    var pre: [StatusCode] = []
    /// Status codes after the items in the occupant's own copy (100, 110, 210).
    var selfPost: [StatusCode] = [.selfPresence]
    /// `nick` attribute of the item (the new nick on a 303).
    var itemNick: String?
    var actor: Actor?
    var reason: String?

    init(type: String? = nil, id: String? = nil, payload: [Element]? = nil, pre: [StatusCode] = [],
         selfPost: [StatusCode] = [.selfPresence], itemNick: String? = nil, actor: Actor? = nil, reason: String? = nil) {
        self.type = type
        self.id = id
        self.payload = payload
        self.pre = pre
        self.selfPost = selfPost
        self.itemNick = itemNick
        self.actor = actor
        self.reason = reason
    }
}

extension Room {
    /// `<item/>`s describing an occupant: one per session with its real JID when `withJIDs`
    /// (§7.2.3, multi-session occupants have several), else a single item without `jid`.
    func items(_ o: Occupant, affiliation: Affiliation, withJIDs: Bool, nick: String? = nil,
               actor: Element? = nil, reason: String? = nil) -> [Element] {
        guard withJIDs else {
            return [Build.item(affiliation: affiliation, role: o.role, jid: nil, nick: nick, actor: actor, reason: reason)]
        }
        return o.sessions.map {
            Build.item(affiliation: affiliation, role: o.role, jid: $0.description, nick: nick, actor: actor, reason: reason)
        }
    }

    /// Announces an occupant's presence to the other occupants and to its own sessions
    /// (§7.2.2, §7.7, §7.6, §8, §9). Others see real JIDs only if the room lets their role see
    /// them. Others receive it only if `presencebroadcast` covers the occupant's role; if it only
    /// covered `prevRole`, they receive an unavailable presence instead (the occupant vanishes from
    /// their view). `o` may already be removed from the room (leaving, kicked).
    func publish(_ o: Occupant, _ change: PresenceChange, prevRole: Role?, selfSessions: [JID]? = nil,
                 _ ctx: RoomContext, _ out: inout ActionList) {
        publishToOthers(o, change, prevRole: prevRole, ctx, &out)
        publishToSelf(o, change, sessions: selfSessions ?? o.sessions, ctx, &out)
    }

    /// The other occupants' part of `publish`.
    func publishToOthers(_ o: Occupant, _ change: PresenceChange, prevRole: Role?, _ ctx: RoomContext, _ out: inout ActionList) {
        let broadcastRoles = config.presenceBroadcast
        let visible = broadcastRoles.contains(o.role)
        let wasVisible = prevRole.map { broadcastRoles.contains($0) } ?? false
        guard visible || wasVisible else { return }
        let aff = affiliation(of: o.bare, ctx)
        let from = occupantAddress(o.nick)
        let payload = change.payload ?? o.payload
        let type = visible ? change.type : "unavailable"
        var full: [JID] = []
        var anon: [JID] = []
        let seeJIDs = RoleMask(where: config.seesRealJIDs)
        occupants.forEach { other in
            guard other.nick != o.nick else { return }
            if seeJIDs.contains(other.role) { full.append(contentsOf: other.sessions) }
            else { anon.append(contentsOf: other.sessions) }
        }
        let extra = presenceExtras(bare: o.bare, occupantID: o.occupantID)
        if !full.isEmpty {
            let actor = change.actor.flatMap { Build.actor(nick: $0.nick, jid: $0.jid?.description) }
            let x = Build.userX(pre: change.pre, items: items(o, affiliation: aff, withJIDs: true, nick: change.itemNick,
                                                               actor: actor, reason: change.reason))
            out.emit(Build.presence(from: from, type: type, id: change.id, payload: payload, x: x, extra: extra), to: full)
        }
        if !anon.isEmpty {
            let actor = change.actor.flatMap { Build.actor(nick: $0.nick, jid: nil) }
            let x = Build.userX(pre: change.pre, items: items(o, affiliation: aff, withJIDs: false, nick: change.itemNick,
                                                               actor: actor, reason: change.reason))
            out.emit(Build.presence(from: from, type: type, id: change.id, payload: payload, x: x, extra: extra), to: anon)
        }
    }

    /// The occupant's own part of `publish`: its real JIDs, only the actor's nick, and the self codes.
    func publishToSelf(_ o: Occupant, _ change: PresenceChange, sessions: [JID], _ ctx: RoomContext, _ out: inout ActionList) {
        guard !sessions.isEmpty else { return }
        let actor = change.actor.flatMap { Build.actor(nick: $0.nick, jid: nil) }
        let x = Build.userX(pre: change.pre, items: items(o, affiliation: affiliation(of: o.bare, ctx), withJIDs: true,
                                                           nick: change.itemNick, actor: actor, reason: change.reason),
                            post: change.selfPost)
        out.emit(Build.presence(from: occupantAddress(o.nick), type: change.type, id: change.id,
                                payload: change.payload ?? o.payload, x: x,
                                extra: presenceExtras(bare: o.bare, occupantID: o.occupantID)), to: sessions)
    }

    /// Sends a (re)joining session the presence of every other occupant it may see (§7.2.2), and
    /// of absent affiliated users when `presencebroadcast` includes `none` (see `Roster`).
    func sendRoster(to session: JID, viewer: Occupant, _ ctx: RoomContext, _ out: inout ActionList) {
        out.append(.roster(Roster(room: self, viewer: viewer, session: session, ctx: ctx)))
    }

    /// An occupant's current presence as one viewer sees it (roster on join, answer to a probe).
    func rosterPresence(of o: Occupant, seesJIDs: Bool, post: [StatusCode] = [], to: String? = nil, _ ctx: RoomContext) -> Element {
        let x = Build.userX(items: items(o, affiliation: affiliation(of: o.bare, ctx), withJIDs: seesJIDs), post: post)
        return Build.presence(from: occupantAddress(o.nick), to: to, payload: o.payload, x: x,
                              extra: presenceExtras(bare: o.bare, occupantID: o.occupantID))
    }

    /// The subject message every join ends with (§7.2.15): from the occupant who set it (or the
    /// room), with an empty `<subject/>` when none is set; stamped with `<delay/>` once set.
    func subjectMessage() -> Element {
        var m = Element("message", namespace: NS.component, attrs: [
            "from": subjectNick.map(occupantAddress) ?? address, "type": "groupchat",
        ])
        m.append(.text("subject", namespace: NS.component, subject))
        if subjectNick != nil, let id = subjectOccupantID {
            m.append(Element("occupant-id", namespace: NS.occupantID, attrs: ["id": id]))
        }
        if let t = subjectTime {
            m.append(Element("delay", namespace: NS.delay, attrs: ["from": address, "stamp": Timestamp.format(t)]))
        }
        return m
    }

    /// A message from the room to its occupants carrying only status codes (§10.2.1).
    func statusMessage(_ codes: [StatusCode]) -> Element {
        Element("message", namespace: NS.component, attrs: ["from": address, "type": "groupchat"],
                children: [Build.userX(pre: codes)])
    }

    /// Removes an occupant (every session) with the given status codes (kick 307, ban 301,
    /// affiliation change 321, members-only 322, error 333): it and the others receive an
    /// unavailable presence with role `none` (§8.2, §9.1, §9.4).
    mutating func evict(nick: String, codes: [StatusCode], actor: Actor?, reason: String?,
                        _ ctx: RoomContext, _ out: inout ActionList) {
        guard var o = removeOccupant(nick: nick) else { return }
        let prev = o.role
        o.role = .none
        publish(o, PresenceChange(type: "unavailable", payload: [], pre: codes, actor: actor, reason: reason),
                prevRole: prev, ctx, &out)
    }
}
