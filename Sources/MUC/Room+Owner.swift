import XMPPCore

extension Room {
    /// `muc#owner` queries: the configuration form (get), a submission, a cancellation or a
    /// destruction (set). Owners only (§10.2: forbidden otherwise).
    mutating func handleOwner(_ iq: Element, query: Element, isSet: Bool, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        guard affiliation(of: real.bare, ctx) == .owner else { return out.send(Build.error(iq, .forbidden, type: .auth)) }
        guard isSet else {
            guard query.elements.isEmpty else { return out.send(Build.error(iq, .badRequest)) }
            let form = config.form(room: jid, owners: listed(.owner), admins: listed(.admin),
                                   maxUsersLimit: ctx.settings.maxOccupantsLimit,
                                   archiving: ctx.archives ? config.archiving ?? ctx.settings.archive.byDefault : nil)
            return out.send(iq.iqResult(Build.query(NS.mucOwner, children: [form.element])))
        }
        if let destroy = query.child("destroy", namespace: NS.mucOwner) {
            return self.destroy(iq, destroy: destroy, ctx, &out)
        }
        guard let x = query.child("x", namespace: NS.dataForms), let form = DataForm(element: x) else {
            return out.send(Build.error(iq, .badRequest))
        }
        switch form.type {
        case .cancel:
            // §10.1.3: cancelling the initial configuration destroys the room; later, nothing changes.
            if locked { return self.destroy(iq, destroy: nil, ctx, &out) }
            out.send(iq.iqResult())
        case .submit:
            submitConfiguration(iq, form: form, from: real, ctx, &out)
        case .form, .result:
            out.send(Build.error(iq, .badRequest, text: "Not a submitted form"))
        }
    }

    /// Bare JIDs with a stored affiliation, sorted.
    func listed(_ aff: Affiliation) -> [BareJID] {
        affiliations.values.filter { $0.affiliation == aff }.map(\.jid).sorted()
    }

    /// §10.1.2–§10.2: an empty submission accepts the current (default) configuration (instant
    /// room); any other is read over the current values. Either unlocks the room. Effects go out
    /// in this order: affiliation changes from the owner/admin lists, removal of non-members
    /// (322) when the room became members-only, the result, then one message with the status
    /// codes (104 for any change, 172/173 when anonymity changed; §10.2.1). The submission that
    /// unlocks a new room sends it too when it changed anything (an instant room's empty
    /// submission changes nothing), as Prosody does: the owner learns the configuration took effect.
    private mutating func submitConfiguration(_ iq: Element, form: DataForm, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        var submission = ConfigSubmission(config: config)
        if !form.fields.isEmpty {
            if let t = form.formType, t != NS.mucRoomConfig {
                return out.send(Build.error(iq, .badRequest, text: "Form is not of type room configuration"))
            }
            switch config.applying(form, maxUsersLimit: ctx.settings.maxOccupantsLimit, maxHistoryLimit: ctx.settings.maxHistoryLimit) {
            case .failure(let e): return out.send(iq.errorReply(e))
            case .success(let s): submission = s
            }
        }
        let before = self
        let old = config
        config = submission.config
        locked = false
        history.trim(to: config.historyLength)

        var actions = ActionList()
        let actor = Actor(nick: occupant(session: real)?.nick, jid: real)
        // The owner and admin fields hold full lists (§10.5 note): apply the difference.
        if let owners = submission.owners { applyList(.owner, owners, actor: actor, ctx, &actions) }
        if let admins = submission.admins { applyList(.admin, admins, actor: actor, ctx, &actions) }
        // §10.2: "If ... the room type is changed to members-only but there are non-members in the
        // room, the service MUST remove any non-members from the room and include a status code of 322".
        if config.membersOnly && !old.membersOnly {
            for o in occupants where affiliation(of: o.bare, ctx) < .member {
                evict(nick: o.nick, codes: [.membersOnlyRemoval], actor: nil, reason: nil, ctx, &actions)
            }
        }
        actions.send(iq.iqResult())
        var codes: [StatusCode] = []
        var withoutWhois = config
        withoutWhois.whois = old.whois
        if withoutWhois != old { codes.append(.configurationChanged) }
        if config.whois != old.whois { codes.append(config.whois == .anyone ? .nowNonAnonymous : .nowSemiAnonymous) }
        if !codes.isEmpty { actions.emit(statusMessage(codes), to: everySession()) }

        // Made temporary, a stored room leaves storage (and memory, once empty).
        out.append(contentsOf: committing(actions, since: before, request: iq))
    }

    /// Makes exactly `jids` hold `aff` (owner or admin list): others holding it drop to none.
    private mutating func applyList(_ aff: Affiliation, _ jids: [BareJID], actor: Actor, _ ctx: RoomContext, _ out: inout ActionList) {
        for current in listed(aff) where !jids.contains(current) {
            applyAffiliation(AffiliationChange(jid: current, affiliation: .none), actor: actor, ctx, &out)
        }
        for j in jids where storedAffiliation(of: j) != aff {
            applyAffiliation(AffiliationChange(jid: j, affiliation: aff), actor: actor, ctx, &out)
        }
    }

    /// §10.9: every occupant gets one unavailable presence carrying `<destroy/>` (with the
    /// alternate venue and reason when given), then the owner gets the result. A stored room is
    /// removed from storage first.
    private mutating func destroy(_ iq: Element, destroy request: Element?, _ ctx: RoomContext, _ out: inout ActionList) {
        var destroyElement = Element("destroy", namespace: NS.mucUser)
        if let j = request?.attribute("jid") {
            guard let venue = try? JID(j) else { return out.send(Build.error(iq, .jidMalformed)) }
            destroyElement.setAttribute("jid", venue.description)
        }
        if let reason = request?.childText("reason", namespace: NS.mucOwner) {
            destroyElement.append(.text("reason", namespace: NS.mucUser, reason))
        }
        if let password = request?.childText("password", namespace: NS.mucOwner) {
            destroyElement.append(.text("password", namespace: NS.mucUser, password))
        }
        let before = self
        var actions = ActionList()
        removeEveryone(destroy: destroyElement, ctx, &actions)
        actions.send(iq.iqResult())
        out.append(contentsOf: committing(actions, since: before, request: iq))
    }

    /// Sends every occupant the unavailable presence carrying `destroy` (§10.9), empties the room
    /// and marks it destroyed. Each session gets it as its own self-presence, as Prosody sends it:
    /// `<destroy/>`, its item (the affiliation it had, role none, its own JID) and status 110
    /// (§7.2.2: the presence is about the user himself). XEP-0045's Example 210 shows affiliation
    /// none and no 110; clients read the `<destroy/>`, and both forms carry it.
    mutating func removeEveryone(destroy: Element, _ ctx: RoomContext, _ actions: inout ActionList) {
        for o in occupants {
            let aff = affiliation(of: o.bare, ctx)
            let extra = presenceExtras(bare: o.bare, occupantID: o.occupantID)
            for session in o.sessions {
                let x = Build.userX(items: [destroy, Build.item(affiliation: aff, role: Role.none, jid: session.description)],
                                    post: [.selfPresence])
                actions.send(Build.presence(from: occupantAddress(o.nick), type: "unavailable", payload: [], x: x, extra: extra),
                             to: session)
            }
            removeOccupant(nick: o.nick)
        }
        destroyed = true
    }
}
