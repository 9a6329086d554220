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
                var forwardedInvite = Element("invite", namespace: NS.mucUser, attrs: ["from": real.bare.description])
                for child in invite.elements where child.namespace == NS.mucUser && (child.name == "reason" || child.name == "continue") {
                    forwardedInvite.append(child)
                }
                var ux = Element("x", namespace: NS.mucUser, attrs: [:], children: [forwardedInvite])
                if config.passwordProtected { ux.append(.text("password", namespace: NS.mucUser, config.password)) }
                let reason = invite.childText("reason", namespace: NS.mucUser).map { ": \($0)" } ?? ""
                let body = Element.text("body", namespace: NS.component, "\(real.bare) invited you to the room \(address)\(reason)")
                var m = Element("message", namespace: NS.component, attrs: ["from": address, "id": message.attribute("id")],
                                children: [ux, body])
                m.setAttribute("to", to.description)
                actions.send(m)
            }
        }
        for decline in x.children("decline", namespace: NS.mucUser) {
            guard let to = decline.attribute("to").flatMap({ try? JID($0) }) else { continue }
            var forwardedDecline = Element("decline", namespace: NS.mucUser, attrs: ["from": real.bare.description])
            if let r = decline.child("reason", namespace: NS.mucUser) { forwardedDecline.append(r) }
            let m = Element("message", namespace: NS.component,
                            attrs: ["from": address, "to": to.description, "id": message.attribute("id")],
                            children: [Element("x", namespace: NS.mucUser, attrs: [:], children: [forwardedDecline])])
            actions.send(m)
        }
        out.append(contentsOf: membersAdded ? committing(actions, since: before, request: message) : actions)
    }
}
