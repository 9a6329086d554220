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
    /// members-only room is the admins' decision). Otherwise, when the service asks for approval
    /// (`registrationApproval`, §9.9), their submission goes to the room's admins and owners;
    /// else it is refused with registration-required (auth), as the reference script expects (the
    /// XEP suggests not-allowed). Outcasts get forbidden.
    mutating func handleRegister(_ iq: Element, query: Element, isSet: Bool, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        let user = real.bare
        let aff = affiliation(of: user, ctx)
        if aff == .outcast { return out.send(Build.error(iq, .forbidden, type: .auth)) }
        let needsApproval = aff == .none && (!ctx.settings.allowUnaffiliatedRegistration || config.membersOnly)
        if needsApproval && !ctx.settings.registrationApproval {
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
        let before = self
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
            return out.append(contentsOf: committing(actions, since: before, request: iq))
        }
        guard let x = query.child("x", namespace: NS.dataForms), let form = DataForm(element: x) else {
            return out.send(Build.error(iq, .badRequest, text: "Missing form"))
        }
        if form.type == .cancel { return out.send(iq.iqResult()) }
        guard form.type == .submit, form.formType == NS.mucRegister else {
            return out.send(Build.error(iq, .badRequest, text: "Not a muc#register submission"))
        }
        // §7.10: a form without the (required) nickname field is not a valid form: bad-request; a
        // nickname that may not be used: not-acceptable (§7.2.17).
        guard let field = form["muc#register_roomnick"] else {
            return out.send(Build.error(iq, .badRequest, text: "The form lacks the required muc#register_roomnick field"))
        }
        guard let nick = field.value, Nick.isValid(nick), (try? jid.with(resource: nick)) != nil else {
            return out.send(Build.error(iq, .notAcceptable, text: Nick.problem(field.value ?? "") ?? "The nickname is not valid"))
        }
        if let holder = reservedNicks[nick], holder != user {
            return out.send(Build.error(iq, .conflict, text: "The nickname is already reserved"))
        }
        // A user's own registration does not take a nick from someone using it in the room (an
        // admin's reservation through muc#admin does, and evicts the impostor): conflict, as Prosody.
        if let holder = occupants[nick], holder.bare != user {
            return out.send(Build.error(iq, .conflict, text: "The nickname is in use in the room"))
        }
        // The nick the user already holds: nothing changes, nothing to announce (as Prosody).
        if reservedNick(of: user) == nick { return out.send(iq.iqResult()) }
        if needsApproval {
            askForApproval(of: user, nick: nick, submission: form, &out)
            return out.send(iq.iqResult())
        }
        let stored = storedAffiliation(of: user)
        applyAffiliation(AffiliationChange(jid: user, affiliation: stored == .none ? .member : stored, nick: .set(nick)),
                         actor: nil, ctx, &actions)
        actions.send(iq.iqResult())
        out.append(contentsOf: committing(actions, since: before, request: iq))
    }

    /// §9.9: the registration request goes to each admin and owner of the room (their bare JIDs)
    /// as the recommended approval form, with the user's JID in `muc#jid` (as in the voice
    /// request form) and whatever else the user filled in.
    private func askForApproval(of user: BareJID, nick: String, submission: DataForm, _ out: inout ActionList) {
        typealias F = DataForm.Field
        var fields: [F] = []
        for f in submission.fields {
            guard let v = f.variable, v.hasPrefix("muc#register_"), v != "muc#register_roomnick", v != "muc#register_allow" else { continue }
            fields.append(F(v, type: f.type, label: f.label, values: f.values))
        }
        fields += [
            F("muc#register_roomnick", type: .textSingle, label: "Desired Nickname", values: [nick]),
            F("muc#jid", type: .jidSingle, label: "User ID", values: [user.description]),
            F("muc#register_allow", type: .boolean, label: "Allow this person to register with the room?", values: ["0"]),
        ]
        let form = DataForm(type: .form, formType: NS.mucRegister, title: "Registration request",
                            instructions: ["To approve this registration request, select the \"Allow this person to register with the room?\" checkbox and submit the form."],
                            fields: fields)
        let message = Element("message", namespace: NS.component, attrs: ["from": address], children: [form.element])
        for admin in (listed(.owner) + listed(.admin)).sorted() { out.send(message, to: admin.jid) }
    }

    /// §9.9: an admin's or owner's answer to a registration request. Approved: the user becomes a
    /// member (or keeps a higher affiliation) with the nick asked for, announced like any
    /// affiliation change. A denial or cancellation changes nothing. Others get forbidden (auth); an
    /// incomplete form bad-request; a nick reserved meanwhile by someone else conflict; a banned
    /// user not-allowed (unban first).
    mutating func registrationDecision(_ message: Element, form: DataForm, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        guard affiliation(of: real.bare, ctx) >= .admin else {
            return out.send(Build.error(message, .forbidden, type: .auth, by: jid))
        }
        guard form.type == .submit, form["muc#register_allow"]?.boolValue == true else { return }
        guard let user = form["muc#jid"]?.value.flatMap({ try? JID($0) })?.bare,
              let nick = form["muc#register_roomnick"]?.value, Nick.isValid(nick), (try? jid.with(resource: nick)) != nil else {
            return out.send(Build.error(message, .badRequest, text: "The form needs muc#jid and a valid muc#register_roomnick", by: jid))
        }
        if let holder = reservedNicks[nick], holder != user {
            return out.send(Build.error(message, .conflict, text: "The nickname is already reserved", by: jid))
        }
        let stored = storedAffiliation(of: user)
        if stored == .outcast { return out.send(Build.error(message, .notAllowed, text: "The user is banned", by: jid)) }
        let before = self
        var actions = ActionList()
        applyAffiliation(AffiliationChange(jid: user, affiliation: stored == .none ? .member : stored, nick: .set(nick)),
                         actor: Actor(nick: occupant(session: real)?.nick, jid: real), ctx, &actions)
        out.append(contentsOf: committing(actions, since: before, request: message))
    }
}
