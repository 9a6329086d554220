import XMPPCore

extension Room {
    /// `muc#admin` queries: lists by affiliation or role (get), affiliation and role changes (set).
    mutating func handleAdmin(_ iq: Element, query: Element, isSet: Bool, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        if isSet { adminSet(iq, query: query, from: real, ctx, &out) } else { adminGet(iq, query: query, from: real, ctx, &out) }
    }

    // MARK: Lists

    /// §8.5, §9.2, §9.5, §9.8, §10.5, §10.8: the list asked for by the (first) item.
    private func adminGet(_ iq: Element, query: Element, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        guard let item = query.child("item", namespace: NS.mucAdmin) else { return out.send(Build.error(iq, .badRequest)) }
        let requester = occupant(session: real)
        var result = Build.query(NS.mucAdmin)
        if let a = item.attribute("affiliation") {
            guard let aff = Affiliation(rawValue: a), aff != .none, item.attribute("role") == nil else {
                return out.send(Build.error(iq, .badRequest))
            }
            guard mayList(aff, user: real.bare, role: requester?.role, ctx) else {
                return out.send(Build.error(iq, .forbidden, type: .auth))
            }
            // §17.4 rule 6: affiliation results carry the bare JID and the reserved nick, never the
            // role; and the reason given with the change (§9.2 shows it for bans; Prosody 13 keeps
            // and lists it for every affiliation).
            for r in affiliations.values.sorted(by: { $0.jid < $1.jid }) where r.affiliation == aff {
                result.append(Build.item(namespace: NS.mucAdmin, affiliation: aff, role: nil, jid: r.jid.description,
                                         nick: aff == .outcast ? nil : r.nick, reason: r.reason))
            }
        } else if let r = item.attribute("role") {
            guard let role = Role(rawValue: r), role != .none else { return out.send(Build.error(iq, .badRequest)) }
            // §8 preamble: role lists are for moderators.
            guard requester?.role == .moderator else { return out.send(Build.error(iq, .forbidden, type: .auth)) }
            // §17.4 rule 5: role results carry nick, role, affiliation and the full JID.
            for o in occupants where o.role == role {
                result.append(Build.item(namespace: NS.mucAdmin, affiliation: affiliation(of: o.bare, ctx), role: role,
                                         jid: o.sessions.first?.description, nick: o.nick))
            }
        } else {
            return out.send(Build.error(iq, .badRequest))
        }
        out.send(iq.iqResult(result))
    }

    /// Who may retrieve which affiliation list.
    /// - owner and admin lists: owners; in a non-anonymous room admins too (§10.5, §10.8: MAY).
    /// - ban list: admins and owners (§9.2).
    /// - member list: admins and owners; occupants whose role is in `muc#roomconfig_getmemberlist`;
    ///   any member when the room is non-anonymous (§9.5 note; §5.2.1 note: not in semi-anonymous rooms).
    func mayList(_ list: Affiliation, user: BareJID, role: Role?, _ ctx: RoomContext) -> Bool {
        let aff = affiliation(of: user, ctx)
        switch list {
        case .owner, .admin: return aff == .owner || (config.whois == .anyone && aff == .admin)
        case .outcast: return aff >= .admin
        case .member:
            if aff >= .admin { return true }
            if let role, config.getMemberList.contains(role) { return true }
            return aff == .member && config.whois == .anyone
        case .none: return false
        }
    }

    // MARK: Changes

    private enum AdminChange {
        case affiliation(AffiliationChange)
        case role(nick: String, role: Role, reason: String?)
    }

    /// §8.2–§8.5, §9, §10.3–§10.8: every item is checked before any is applied (a request is
    /// applied entirely or not at all, §9.2). Notifications go out before the result, as the
    /// reference scripts require.
    private mutating func adminSet(_ iq: Element, query: Element, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        let itemElements = query.children("item", namespace: NS.mucAdmin)
        guard !itemElements.isEmpty else { return out.send(Build.error(iq, .badRequest)) }
        let actorAffiliation = affiliation(of: real.bare, ctx)
        let actorOccupant = occupant(session: real)
        var changes: [AdminChange] = []
        for item in itemElements {
            switch parseAdminItem(item) {
            case .failure(let e): return out.send(iq.errorReply(e))
            case .success(let c): changes.append(c)
            }
        }
        // Check every item against the state the request starts from.
        var owners = Set(affiliations.values.filter { $0.affiliation == .owner }.map(\.jid))
        let hadOwner = !owners.isEmpty
        for c in changes {
            switch c {
            case .affiliation(let a):
                if let e = Permissions.affiliationChange(actor: actorAffiliation, current: affiliation(of: a.jid, ctx),
                                                        new: a.affiliation, isSelf: a.jid == real.bare) {
                    return out.send(iq.errorReply(e))
                }
                if case .set(let n) = a.nick, let holder = reservedNicks[n], holder != a.jid {
                    return out.send(Build.error(iq, .conflict, text: "The nickname is already reserved"))
                }
                if a.affiliation == .owner { owners.insert(a.jid) } else { owners.remove(a.jid) }
            case .role(let nick, let role, _):
                guard let target = occupants[nick] else { return out.send(Build.error(iq, .itemNotFound)) }
                if let e = Permissions.roleChange(actor: actorAffiliation, actorRole: actorOccupant?.role ?? .none,
                                                 target: affiliation(of: target.bare, ctx), current: target.role, new: role) {
                    return out.send(iq.errorReply(e))
                }
            }
        }
        // §10.5, §10.6: "A service MUST NOT allow an owner to revoke his or her own owner status if
        // there are no other owners": a room always keeps an owner.
        if hadOwner && owners.isEmpty {
            return out.send(Build.error(iq, .conflict, text: "A room must have an owner"))
        }
        let actor = Actor(nick: actorOccupant?.nick, jid: real)
        // Order (see `orderedForActor`): role changes and bans answer the actor before telling the
        // room; other affiliation changes tell the room first, as the reference scripts require.
        var resultFirst = true
        var targetSessions = Set<JID>()
        for c in changes {
            switch c {
            case .affiliation(let a):
                if a.affiliation != .outcast { resultFirst = false }
                for o in occupants(of: a.jid) { targetSessions.formUnion(o.sessions) }
            case .role(let nick, _, _):
                for s in occupants[nick]?.sessions ?? [] { targetSessions.insert(s) }
            }
        }
        let before = self
        var actions = ActionList()
        var affiliationsChanged = false
        for c in changes {
            switch c {
            case .affiliation(let a):
                applyAffiliation(a, actor: actor, ctx, &actions)
                affiliationsChanged = true
            case .role(let nick, let role, let reason):
                applyRole(nick: nick, role: role, actor: actor, reason: reason, ctx, &actions)
            }
        }
        if resultFirst {
            actions = Room.orderedForActor(actions, result: iq.iqResult(), targets: targetSessions)
        } else {
            actions.send(iq.iqResult())
        }
        out.append(contentsOf: affiliationsChanged ? committing(actions, since: before, request: iq) : actions)
    }

    /// §8.2 (kick), §8.3–§8.4 (voice), §9.1 (ban), §9.6–§9.7 (moderator): the service changes the
    /// target, tells the target, then "MUST then inform the moderator of success", and "after
    /// informing the moderator, MUST then inform all of the remaining occupants". So: what goes to
    /// the targets' own sessions (their self-presence; a new moderator's roster), the result, then
    /// everything else — the actor's stream shows the result before the broadcast. (Grants of
    /// membership, admin and owner status keep the broadcast before the result: the reference
    /// scripts, taken from a widely deployed server, expect that order for them.)
    static func orderedForActor(_ actions: ActionList, result: Element, targets: Set<JID>) -> ActionList {
        var front = ActionList()
        var rest = ActionList()
        for a in actions.actions {
            let toTargets: Bool
            switch a {
            case .send(let e):
                toTargets = e.attribute("to").flatMap { try? JID($0) }.map(targets.contains) ?? false
            case .broadcast(_, let to):
                toTargets = !to.isEmpty && to.allSatisfy(targets.contains)
            case .roster(let roster):
                toTargets = targets.contains(roster.session)
            case .loadRoom, .storeRoom, .deleteRoom, .listRooms, .archive, .queryArchive, .deleteArchive:
                toTargets = false
            }
            if toTargets { front.append(a) } else { rest.append(a) }
        }
        front.send(result)
        front.append(contentsOf: rest)
        return front
    }

    /// Reads one `<item/>` of a set (§17.4 rules 4–6): either `affiliation` with `jid` (or `nick`
    /// naming an occupant), or `role` with `nick`; both at once is a bad request.
    private func parseAdminItem(_ item: Element) -> Result<AdminChange, StanzaError> {
        let reason = item.childText("reason", namespace: NS.mucAdmin)
        let nick = item.attribute("nick")
        switch (item.attribute("affiliation"), item.attribute("role")) {
        case (let a?, nil):
            guard let aff = Affiliation(rawValue: a) else { return .failure(StanzaError(.badRequest)) }
            if let j = item.attribute("jid") {
                guard let target = try? JID(j) else { return .failure(StanzaError(.jidMalformed)) }
                var update = NickUpdate.keep
                if let nick {
                    // §9.5: a nick with the JID reserves it; an empty one removes the reservation.
                    if nick.isEmpty { update = .clear }
                    else {
                        guard Nick.isValid(nick), (try? jid.with(resource: nick)) != nil else { return .failure(StanzaError(.notAcceptable)) }
                        update = .set(nick)
                    }
                }
                return .success(.affiliation(AffiliationChange(jid: target.bare, affiliation: aff, nick: update, reason: reason)))
            }
            // Affiliations are kept by bare JID (§5.2); an occupant's nick names its bare JID.
            guard let nick else { return .failure(StanzaError(.badRequest)) }
            guard let o = occupants[nick] else { return .failure(StanzaError(.itemNotFound)) }
            return .success(.affiliation(AffiliationChange(jid: o.bare, affiliation: aff, reason: reason)))
        case (nil, let r?):
            guard let role = Role(rawValue: r), let nick else { return .failure(StanzaError(.badRequest)) }
            return .success(.role(nick: nick, role: role, reason: reason))
        case (_?, _?), (nil, nil):
            return .failure(StanzaError(.badRequest))
        }
    }
}
