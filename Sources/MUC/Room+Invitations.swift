import XMPPCore

extension Room {
    /// §7.8.2: mediated invitations and declines. Occupants may invite; in a members-only room only
    /// admins and owners, or members when `allowinvites` is on (forbidden otherwise); the invitee of
    /// a members-only room becomes a member. The invitation carries the room password.
    mutating func invitations(_ message: Element, x: Element, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        let invites = x.children("invite", namespace: NS.mucUser)
        let before = self
        var actions = ActionList()
        var membersAdded = false
        if !invites.isEmpty {
            guard let sender = occupant(session: real) else {
                return out.send(Build.error(message, .notAcceptable, type: .cancel, text: "You are not in the room", by: jid))
            }
            let aff = affiliation(of: real.bare, ctx)
            if config.membersOnly && aff < .admin && !config.allowInvites {
                return out.send(Build.error(message, .forbidden, type: .auth, by: jid))
            }
            var invitees: [JID] = []
            for invite in invites {
                guard let to = invite.attribute("to").flatMap({ try? JID($0) }) else {
                    return out.send(Build.error(message, .jidMalformed, by: jid))
                }
                invitees.append(to)
            }
            for (invite, to) in zip(invites, invitees) {
                if config.membersOnly && affiliation(of: to.bare, ctx) == .none {
                    applyAffiliation(AffiliationChange(jid: to.bare, affiliation: .member),
                                     actor: Actor(nick: sender.nick, jid: real), ctx, &actions)
                    membersAdded = true
                }
                // §7.8.2 lets the room name the inviter by bare, full or occupant JID: the occupant
                // JID, as Prosody does, reveals nothing a semi-anonymous room hides, and a decline
                // sent back to it reaches the inviter.
                var forwardedInvite = Element("invite", namespace: NS.mucUser, attrs: ["from": occupantAddress(sender.nick)])
                for child in invite.elements where child.namespace == NS.mucUser && (child.name == "reason" || child.name == "continue") {
                    forwardedInvite.append(child)
                }
                var ux = Element("x", namespace: NS.mucUser, attrs: [:], children: [forwardedInvite])
                if config.passwordProtected { ux.append(.text("password", namespace: NS.mucUser, config.password)) }
                let reasonText = invite.childText("reason", namespace: NS.mucUser)
                let body = Element.text("body", namespace: NS.component,
                                        "\(sender.nick) invited you to the room \(address)" + (reasonText.map { ": \($0)" } ?? ""))
                // XEP-0249's element too, for clients that only know direct invitations.
                var direct = Element.text("x", namespace: MoreNS.directInvitation, reasonText ?? "")
                direct.setAttribute("jid", address)
                var m = Element("message", namespace: NS.component, attrs: ["from": address, "id": message.attribute("id")],
                                children: [ux, body, direct])
                m.setAttribute("to", to.description)
                actions.send(m)
            }
        }
        for decline in x.children("decline", namespace: NS.mucUser) {
            guard let to = decline.attribute("to").flatMap({ try? JID($0) }) else {
                return out.send(Build.error(message, .jidMalformed, by: jid))
            }
            // The decliner's full JID, as Prosody gives it (§7.8.2 allows bare or full).
            var forwardedDecline = Element("decline", namespace: NS.mucUser, attrs: ["from": real.description])
            if let r = decline.child("reason", namespace: NS.mucUser) { forwardedDecline.append(r) }
            let m = Element("message", namespace: NS.component, attrs: ["from": address, "id": message.attribute("id")],
                            children: [Element("x", namespace: NS.mucUser, attrs: [:], children: [forwardedDecline])])
            // A decline to the inviter's occupant JID (as the invitation named it) goes to that occupant.
            if to.bare == jid, let nick = to.resource {
                guard let inviter = occupants[nick] else {
                    return out.send(Build.error(message, .itemNotFound, by: jid))
                }
                actions.emit(m, to: inviter.sessions)
            } else {
                actions.send(m, to: to)
            }
        }
        out.append(contentsOf: membersAdded ? committing(actions, since: before, request: message) : actions)
    }
}
