import XMPPCore

extension Room {
    /// The `muc#register` form (§7.10), exactly as the reference script expects it: the hidden
    /// FORM_TYPE and one required nickname field.
    static func registrationForm(nick: String?) -> DataForm {
        DataForm(type: .form, formType: NS.mucRegister, fields: [
            DataForm.Field("muc#register_roomnick", type: .textSingle, label: "Nickname", required: true,
                           values: nick.map { [$0] } ?? []),
        ])
    }

    /// `jabber:iq:register` (§7.10): the form (get), registering a nick, or `<remove/>` (set).
    ///
    /// Registration is open to affiliated users; unaffiliated ones may register (and so become
    /// members) only when the service allows it and the room is not members-only (joining a
    /// members-only room is the admins' decision). Otherwise: registration-required (auth), as the
    /// reference script expects (the XEP suggests not-allowed). Outcasts get forbidden.
    mutating func handleRegister(_ iq: Element, query: Element, isSet: Bool, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        let user = real.bare
        let aff = affiliation(of: user, ctx)
        if aff == .outcast { return out.send(Build.error(iq, .forbidden, type: .auth)) }
        if aff == .none && (!ctx.settings.allowUnaffiliatedRegistration || config.membersOnly) {
            return out.send(Build.error(iq, .registrationRequired, type: .auth))
        }
        guard isSet else {
            var q = Build.query(NS.register)
            if let nick = reservedNick(of: user) {
                // XEP-0077 / §7.10: already registered.
                q.append(Element("registered", namespace: NS.register))
                q.append(.text("username", namespace: NS.register, nick))
                q.append(Room.registrationForm(nick: nick).element)
            } else {
                q.append(Room.registrationForm(nick: nil).element)
            }
            return out.send(iq.iqResult(q))
        }
        var actions = ActionList()
        if query.child("remove", namespace: NS.register) != nil {
            // Cancelling the registration: members lose their membership (and nick); admins and
            // owners keep their affiliation and only lose the reserved nick.
            let stored = storedAffiliation(of: user)
            if stored == .member {
                applyAffiliation(AffiliationChange(jid: user, affiliation: .none), actor: nil, ctx, &actions)
            } else if stored != .none && reservedNick(of: user) != nil {
                applyAffiliation(AffiliationChange(jid: user, affiliation: stored, nick: .clear), actor: nil, ctx, &actions)
            }
            actions.send(iq.iqResult())
            return out.append(contentsOf: persisting(actions))
        }
        guard let x = query.child("x", namespace: NS.dataForms), let form = DataForm(element: x) else {
            return out.send(Build.error(iq, .badRequest, text: "Missing form"))
        }
        if form.type == .cancel { return out.send(iq.iqResult()) }
        guard form.type == .submit, form.formType == NS.mucRegister else {
            return out.send(Build.error(iq, .badRequest, text: "Not a muc#register submission"))
        }
        guard let nick = form["muc#register_roomnick"]?.value, Nick.isValid(nick), (try? jid.with(resource: nick)) != nil else {
            return out.send(Build.error(iq, .notAcceptable, text: "A valid nickname is required"))
        }
        if let holder = reservedNicks[nick], holder != user {
            return out.send(Build.error(iq, .conflict, text: "The nickname is already reserved"))
        }
        let stored = storedAffiliation(of: user)
        applyAffiliation(AffiliationChange(jid: user, affiliation: stored == .none ? .member : stored, nick: .set(nick)),
                         actor: nil, ctx, &actions)
        actions.send(iq.iqResult())
        out.append(contentsOf: persisting(actions))
    }
}
