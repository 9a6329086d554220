import XMPPCore

extension Room {
    /// Messages to the room (§7.4 groupchat, §8.1 subject, §7.8 invitations, §7.13 voice
    /// requests) or to an occupant JID (§7.5 private messages).
    mutating func handleMessage(_ stanza: Stanza, from real: JID, nick: String?, _ ctx: RoomContext, _ out: inout ActionList) {
        let message = stanza.element
        // RFC 6121 §5.2.2: an unknown type is handled as normal.
        let type = stanza.messageType ?? .normal
        switch type {
        case .error:
            // §18.1.2 ghost users: a delivery error from an occupant's session means it is gone.
            if occupant(session: real) != nil, let c = stanza.error?.condition, Room.deliveryErrors.contains(c) {
                removeGhost(session: real, ctx, &out)
            }
            return
        case .headline:
            return
        case .normal, .chat, .groupchat:
            break
        }
        // §17.2 rule 3: a locked room does not exist yet.
        if locked && affiliation(of: real.bare, ctx) != .owner { return out.send(Build.error(message, .itemNotFound, by: jid)) }
        if let nick { return privateMessage(message, type: type, to: nick, from: real, ctx, &out) }
        switch type {
        case .groupchat:
            groupchat(message, from: real, ctx, &out)
        case .normal, .chat:
            if let x = message.child("x", namespace: NS.mucUser),
               x.child("invite", namespace: NS.mucUser) != nil || x.child("decline", namespace: NS.mucUser) != nil {
                return invitations(message, x: x, from: real, ctx, &out)
            }
            if let x = message.child("x", namespace: NS.dataForms), let form = DataForm(element: x), form.formType == NS.mucRequest {
                return voiceRequest(message, form: form, from: real, ctx, &out)
            }
            // §17.2 rule 1: a message to all occupants must be of type groupchat.
            out.send(Build.error(message, .badRequest, text: "Messages to the room must be of type groupchat", by: jid))
        case .error, .headline:
            return
        }
    }

    /// Delivery-related errors (§18.1.2).
    static let deliveryErrors: Set<StanzaError.Condition> = [
        .gone, .itemNotFound, .recipientUnavailable, .redirect, .remoteServerNotFound, .remoteServerTimeout,
    ]

    /// §7.4, §8.1: reflected to every session of every occupant, the sender included, from its
    /// occupant JID and with the client's id kept (muc#stable_id). A subject change (subject, no
    /// body, no thread) needs a moderator, or a participant when `changesubject` allows it.
    private mutating func groupchat(_ message: Element, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        guard let sender = occupant(session: real) else {
            return out.send(Build.error(message, .notAcceptable, text: "You are not in the room", by: jid))
        }
        var reflected = message
        reflected.setAttribute("from", occupantAddress(sender.nick))
        reflected.setAttribute("to", nil)
        let hasBody = message.child("body", namespace: message.namespace) != nil
        if let s = message.child("subject", namespace: message.namespace), !hasBody,
           message.child("thread", namespace: message.namespace) == nil {
            let allowed = sender.role == .moderator || (config.changeSubject && sender.role >= .participant)
            guard allowed else { return out.send(Build.error(message, .forbidden, type: .auth, by: jid)) }
            subject = s.text
            subjectNick = sender.nick
            subjectTime = ctx.now
            var actions = ActionList()
            actions.emit(reflected, to: allSessions)
            return out.append(contentsOf: persisting(actions))
        }
        // §7.4: visitors have no voice.
        guard sender.role >= .participant else { return out.send(Build.error(message, .forbidden, type: .auth, by: jid)) }
        if hasBody { history.record(reflected, at: ctx.now, limit: config.historyLength) }
        out.emit(reflected, to: allSessions)
    }

    /// §7.5: to every session of the target, from the sender's occupant JID, marked with an empty
    /// `muc#user` element. Groupchat type is a bad request; non-occupants get not-acceptable; an
    /// unknown nick item-not-found. `allowpm` decides who may send (not-allowed when nobody may).
    private func privateMessage(_ message: Element, type: MessageType, to nick: String, from real: JID,
                                _ ctx: RoomContext, _ out: inout ActionList) {
        guard type != .groupchat else { return out.send(Build.error(message, .badRequest, type: .modify, by: jid)) }
        guard let sender = occupant(session: real) else {
            return out.send(Build.error(message, .notAcceptable, text: "You are not in the room", by: jid))
        }
        guard let target = occupants[nick] else { return out.send(Build.error(message, .itemNotFound, by: jid)) }
        guard config.allowPM != .none else {
            return out.send(Build.error(message, .notAllowed, text: "Private messages are disabled in this room", by: jid))
        }
        guard config.allowPM.allows(sender.role) else { return out.send(Build.error(message, .forbidden, type: .auth, by: jid)) }
        var forwarded = message
        forwarded.setAttribute("from", occupantAddress(sender.nick))
        forwarded.setAttribute("to", nil)
        if forwarded.child("x", namespace: NS.mucUser) == nil { forwarded.append(Element("x", namespace: NS.mucUser)) }
        out.emit(forwarded, to: target.sessions)
    }

    /// §7.8.2: mediated invitations and declines. Occupants may invite; in a members-only room only
    /// admins and owners, or members when `allowinvites` is on (forbidden otherwise); the invitee of
    /// a members-only room becomes a member. The invitation carries the room password.
    private mutating func invitations(_ message: Element, x: Element, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        let invites = x.children("invite", namespace: NS.mucUser)
        var actions = ActionList()
        var membersAdded = false
        if !invites.isEmpty {
            guard let sender = occupant(session: real) else {
                return out.send(Build.error(message, .notAcceptable, text: "You are not in the room", by: jid))
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
        out.append(contentsOf: membersAdded ? persisting(actions) : actions)
    }

    /// §7.13, §8.6: a visitor's voice request goes to the moderators as an approval form; a
    /// moderator's submitted approval grants voice.
    private mutating func voiceRequest(_ message: Element, form: DataForm, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        guard let sender = occupant(session: real) else {
            return out.send(Build.error(message, .notAcceptable, text: "You are not in the room", by: jid))
        }
        if sender.role == .moderator, form.type == .submit {
            guard form["muc#request_allow"]?.boolValue == true, let nick = form["muc#roomnick"]?.value,
                  let target = occupants[nick], target.role == .visitor else { return }
            if Permissions.roleChange(actor: affiliation(of: real.bare, ctx), actorRole: sender.role,
                                      target: affiliation(of: target.bare, ctx), current: target.role, new: .participant) == nil {
                applyRole(nick: nick, role: .participant, actor: Actor(nick: sender.nick, jid: real), reason: nil, ctx, &out)
            }
            return
        }
        guard sender.role == .visitor, form["muc#role"]?.value == Role.participant.rawValue else { return }
        let approval = DataForm(type: .form, formType: NS.mucRequest, title: "Voice request",
                                instructions: ["To approve this request for voice, select the \"Grant voice to this person?\" checkbox and submit."],
                                fields: [
                                    DataForm.Field("muc#role", type: .listSingle, label: "Requested role", values: ["participant"]),
                                    DataForm.Field("muc#jid", type: .jidSingle, label: "User ID", values: [real.description]),
                                    DataForm.Field("muc#roomnick", type: .textSingle, label: "Room Nickname", values: [sender.nick]),
                                    DataForm.Field("muc#request_allow", type: .boolean, label: "Grant voice to this person?", values: ["false"]),
                                ])
        let m = Element("message", namespace: NS.component, attrs: ["from": address], children: [approval.element])
        out.emit(m, to: sessions { $0.role == .moderator })
    }
}
