import XMPPCore

extension Room {
    /// Presence addressed to the room (`nick` nil) or to an occupant JID (XEP-0045 §7.2, §7.6, §7.7, §7.14, §17.3).
    mutating func handlePresence(_ stanza: Stanza, from real: JID, nick: String?, _ ctx: RoomContext, _ out: inout ActionList) {
        let element = stanza.element
        // An unknown type is not a join, an update nor an exit (§17.3 rules 1, 2): ignore it.
        guard stanza.type == nil || stanza.presenceType != nil else { return }
        switch stanza.presenceType {
        case .none:
            guard let nick else {
                // §7.2.1: no nickname.
                out.send(Build.error(element, .jidMalformed, by: jid))
                return
            }
            if let o = occupant(session: real) {
                if o.nick == nick {
                    updatePresence(o, session: real, stanza: element, ctx, &out)
                } else {
                    changeNick(o, to: nick, session: real, stanza: element, ctx, &out)
                }
            } else if element.child("x", namespace: NS.muc) == nil {
                // §7.2.18: presence without the MUC element from a non-occupant is a desynchronised
                // client (or a groupchat 1.0 join): tell it explicitly that it is not in the room.
                let item = Build.item(affiliation: Affiliation.none, role: Role.none, jid: nil, reason: "You are not in the room.")
                let x = Build.userX(items: [item], post: [.selfPresence, .kicked, .errorRemoval])
                var p = Build.presence(from: occupantAddress(nick), type: "unavailable", payload: [], x: x)
                p.setAttribute("to", real.description)
                out.send(p)
            } else {
                join(session: real, nick: nick, stanza: element, isCreation: false, ctx, &out)
            }
        case .unavailable?:
            // §17.3 rule 5: unavailable presence from a non-occupant is ignored. An occupant leaves
            // whichever occupant JID (or the bare room JID) it addressed.
            guard occupant(session: real) != nil else { return }
            leave(session: real, stanza: element, ctx, &out)
        case .error?:
            // §18.1.2 ghost users: a delivery error from an occupant's session means it is gone.
            guard occupant(session: real) != nil, Room.isGhostError(stanza) else { return }
            removeGhost(session: real, ctx, &out)
        case .probe?:
            answerProbe(element, from: real, nick: nick, ctx, &out)
        case .subscribe?, .subscribed?, .unsubscribe?, .unsubscribed?:
            return
        }
    }

    /// §17.3 rule 4 (MAY): a presence probe is answered with the current presence of the occupant
    /// JID it names, as the prober would see it in the room: its own self-presence (110) for its own
    /// occupant JID or the bare room JID, another occupant's presence (real JIDs only if the
    /// prober may see them), or an unavailable presence (role none) for a nick that is not in the
    /// room or whose role is not broadcast. Only occupants may probe: others get not-acceptable
    /// (cancel), the answer deployed servers give non-occupants for stanzas to occupant JIDs
    /// (and XEP-0410 for pings).
    func answerProbe(_ probe: Element, from real: JID, nick: String?, _ ctx: RoomContext, _ out: inout ActionList) {
        guard let prober = occupant(session: real) else {
            return out.send(Build.error(probe, .notAcceptable, type: .cancel, text: "You are not in the room", by: jid))
        }
        let reply: Element
        if nick == nil || nick == prober.nick {
            reply = rosterPresence(of: prober, seesJIDs: true, post: [.selfPresence], ctx)
        } else if let nick, let target = occupants[nick],
                  target.bare == prober.bare || config.presenceBroadcast.contains(target.role) {
            reply = rosterPresence(of: target, seesJIDs: config.seesRealJIDs(prober.role) || target.bare == prober.bare, ctx)
        } else {
            // Nobody there (or not shown): unavailable, with the affiliation of whoever reserved the
            // nick (§17.3 rule 8: the real affiliation), none otherwise.
            let holder = nick.flatMap { reservedNicks[$0] }
            let item = Build.item(affiliation: holder.map(storedAffiliation(of:)) ?? Affiliation.none, role: Role.none, jid: nil)
            reply = Build.presence(from: occupantAddress(nick ?? ""), type: "unavailable", payload: [], x: Build.userX(items: [item]))
        }
        out.send(reply, to: real)
    }

    /// §7.2: a user enters the room (or creates it, `isCreation`).
    mutating func join(session real: JID, nick: String, stanza: Element, isCreation: Bool, _ ctx: RoomContext, _ out: inout ActionList) {
        func refuse(_ condition: StanzaError.Condition, _ type: StanzaError.ErrorType? = nil, _ text: String? = nil) {
            out.send(Build.error(stanza, condition, type: type, text: text, by: jid))
        }
        if let problem = Nick.problem(nick) { return refuse(.jidMalformed, .modify, problem) }
        let user = real.bare
        let aff = affiliation(of: user, ctx)
        // §7.2.10: a locked room does not exist yet for anyone but its owners.
        if locked && aff != .owner { return refuse(.itemNotFound, .cancel) }
        // §7.2.7: banned.
        if aff == .outcast { return refuse(.forbidden, .auth) }
        // §7.2.6: members only.
        if config.membersOnly && aff < .member { return refuse(.registrationRequired, .auth) }
        // §7.2.5: password.
        if config.passwordProtected && Room.password(in: stanza) != config.password {
            return refuse(.notAuthorized, .auth)
        }
        // §7.2.8: in use by someone else, or reserved by someone else. Checked after the rights to
        // enter (as Prosody does), so that nobody learns who is in a room he may not enter.
        if let holder = occupants[nick], holder.bare != user { return refuse(.conflict, .cancel) }
        if let owner = reservedNicks[nick], owner != user { return refuse(.conflict, .cancel) }
        let existing = occupants[nick]
        // §7.2.9: full, except for admins and owners.
        let maxUsers = config.effectiveMaxUsers(limit: ctx.settings.maxOccupantsLimit)
        if existing == nil && maxUsers > 0 && occupantCount >= maxUsers && aff < .admin {
            return refuse(.serviceUnavailable, .wait)
        }
        let payload = Occupant.reflectedPayload(of: stanza)
        var o: Occupant
        let prevRole: Role?
        if var e = existing {
            // Same bare JID, same nick: another session of the same occupant (see `Occupant`).
            e.sessions.append(real)
            e.payload = payload
            updateOccupant(e)
            o = e
            prevRole = e.role
        } else {
            let role = defaultRole(for: aff)
            guard role != .none else { return refuse(.registrationRequired, .auth) }
            o = Occupant(nick: nick, bare: user, role: role, sessions: [real], payload: payload,
                         occupantID: ctx.settings.occupantID(room: jid, user: user))
            addOccupant(o)
            prevRole = nil
        }
        sendRoster(to: real, viewer: o, ctx, &out)
        // §7.2.2–§7.2.4, §10.1.1: 201 on creation, 100 when JIDs are public, 110 for oneself.
        // (We keep no public logs, so no 170; we never rewrite nicks, so no 210.)
        var post: [StatusCode] = []
        if config.whois == .anyone { post.append(.nonAnonymous) }
        post.append(.selfPresence)
        publish(o, PresenceChange(id: stanza.attribute("id"), payload: payload, pre: isCreation ? [.roomCreated] : [], selfPost: post),
                prevRole: prevRole, ctx, &out)
        sendHistoryAndSubject(to: real, request: stanza.child("x", namespace: NS.muc)?.child("history", namespace: NS.muc), ctx, &out)
    }

    /// §7.2.13–§7.2.15: history, then the subject, to one session. When the room archives and its
    /// in-memory ring holds fewer messages than the joiner may get (after a restart, typically),
    /// the history is read from the archive first (see `historyFromArchive`).
    func sendHistoryAndSubject(to session: JID, request: Element?, _ ctx: RoomContext, _ out: inout ActionList) {
        let wanted = History.Request(element: request)
        if let pending = historyFromArchive(for: session, wanted, ctx) {
            out.pendingHistory = pending
        } else {
            for m in history.replay(wanted, room: address, now: ctx.now, limit: config.historyLength) {
                out.send(m, to: session)
            }
        }
        out.send(subjectMessage(), to: session)
    }

    /// The password a joining client supplied (§7.2.5), in the MUC join element (or in `muc#user`,
    /// which §17.3 rule 6 also allows).
    static func password(in presence: Element) -> String? {
        presence.child("x", namespace: NS.muc)?.childText("password", namespace: NS.muc)
            ?? presence.child("x", namespace: NS.mucUser)?.childText("password", namespace: NS.mucUser)
    }

    /// §7.7: an occupant changes its availability. A repeated join (with the MUC element) is a
    /// resynchronisation request (§7.2.1, §17.3 rule 3): the session gets the whole join sequence again.
    mutating func updatePresence(_ old: Occupant, session real: JID, stanza: Element, _ ctx: RoomContext, _ out: inout ActionList) {
        var o = old
        o.payload = Occupant.reflectedPayload(of: stanza)
        updateOccupant(o)
        let mucX = stanza.child("x", namespace: NS.muc)
        if mucX != nil { sendRoster(to: real, viewer: o, ctx, &out) }
        var post: [StatusCode] = []
        if mucX != nil && config.whois == .anyone { post.append(.nonAnonymous) }
        post.append(.selfPresence)
        publish(o, PresenceChange(id: stanza.attribute("id"), selfPost: post), prevRole: o.role, ctx, &out)
        if let mucX { sendHistoryAndSubject(to: real, request: mucX.child("history", namespace: NS.muc), ctx, &out) }
    }

    /// §7.6: an occupant changes its nick: everyone gets an unavailable presence for the old nick
    /// (303, new nick in the item), then an available presence for the new one. All sessions of
    /// the occupant move together.
    mutating func changeNick(_ old: Occupant, to nick: String, session real: JID, stanza: Element,
                             _ ctx: RoomContext, _ out: inout ActionList) {
        if let problem = Nick.problem(nick) {
            return out.send(Build.error(stanza, .jidMalformed, type: .modify, text: problem, by: jid))
        }
        if occupants[nick] != nil { return out.send(Build.error(stanza, .conflict, type: .cancel, by: jid)) }
        if let owner = reservedNicks[nick], owner != old.bare {
            return out.send(Build.error(stanza, .conflict, type: .cancel, by: jid))
        }
        let id = stanza.attribute("id")
        publish(old, PresenceChange(type: "unavailable", id: id, payload: [], pre: [.nickChanged], itemNick: nick),
                prevRole: old.role, ctx, &out)
        renameOccupant(from: old.nick, to: nick)
        guard var o = occupants[nick] else { return }
        o.payload = Occupant.reflectedPayload(of: stanza)
        updateOccupant(o)
        // A join presence (with the MUC element) to a new nick is also a resynchronisation (§17.3
        // rule 3): that session gets the roster before its new self-presence, then history and
        // subject, as on entering (Prosody does the same).
        let muc = stanza.child("x", namespace: NS.muc)
        if muc != nil { sendRoster(to: real, viewer: o, ctx, &out) }
        publish(o, PresenceChange(id: id), prevRole: nil, ctx, &out)
        if let muc { sendHistoryAndSubject(to: real, request: muc.child("history", namespace: NS.muc), ctx, &out) }
    }

    /// §7.14: a session leaves. The last session takes the occupant out of the room (role none);
    /// an earlier one only leaves that session, and the others see the occupant's remaining sessions.
    mutating func leave(session real: JID, stanza: Element, _ ctx: RoomContext, _ out: inout ActionList) {
        guard var o = occupant(session: real) else { return }
        let id = stanza.attribute("id")
        let payload = Occupant.reflectedPayload(of: stanza)
        if o.sessions.count > 1 {
            o.sessions.removeAll { $0 == real }
            updateOccupant(o)
            var gone = o
            gone.role = .none
            gone.sessions = [real]
            publishToSelf(gone, PresenceChange(type: "unavailable", id: id, payload: payload), sessions: [real], ctx, &out)
            publish(o, PresenceChange(), prevRole: o.role, selfSessions: o.sessions, ctx, &out)
            return
        }
        removeOccupant(nick: o.nick)
        let prev = o.role
        o.role = .none
        publish(o, PresenceChange(type: "unavailable", id: id, payload: payload), prevRole: prev, ctx, &out)
    }
}
