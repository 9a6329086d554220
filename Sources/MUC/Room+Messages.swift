import XMPPCore

extension Room {
    /// Messages to the room (§7.4 groupchat, §8.1 subject, §7.8 invitations, §7.13 voice
    /// requests, §9.9 registration approvals) or to an occupant JID (§7.5 private messages).
    mutating func handleMessage(_ stanza: Stanza, from real: JID, nick: String?, _ ctx: RoomContext, _ out: inout ActionList) {
        let message = stanza.element
        // RFC 6121 §5.2.2: an unknown type is handled as normal.
        let type = stanza.messageType ?? .normal
        switch type {
        case .error:
            // §18.1.2 ghost users: a delivery error from an occupant's session means it is gone.
            if occupant(session: real) != nil, Room.isGhostError(stanza) {
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
            if let x = message.child("x", namespace: NS.dataForms), let form = DataForm(element: x) {
                if form.formType == NS.mucRequest { return voiceRequest(message, form: form, from: real, ctx, &out) }
                if form.formType == NS.mucRegister { return registrationDecision(message, form: form, from: real, ctx, &out) }
            }
            // §17.2 rule 1: a message to all occupants must be of type groupchat.
            out.send(Build.error(message, .badRequest, text: "Messages to the room must be of type groupchat", by: jid))
        case .error, .headline:
            return
        }
    }

    /// §7.4, §8.1: reflected to every session of every occupant, the sender included, from its
    /// occupant JID and with the client's id kept (muc#stable_id; a message without one gets its
    /// stanza id as id). It carries the sender's occupant id (XEP-0421) and a new stanza id
    /// (XEP-0359). A subject change (subject, no body, no thread) needs a moderator, or a
    /// participant when `changesubject` allows it; anything else needs voice (§7.4: visitors get
    /// forbidden). Non-occupants get not-acceptable (§7.4; §17.2 rule 2's forbidden is the general
    /// rule, §7.4 the specific one, as deployed servers do).
    private mutating func groupchat(_ message: Element, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        guard let sender = occupant(session: real) else {
            return out.send(Build.error(message, .notAcceptable, type: .cancel, text: "You are not in the room", by: jid))
        }
        let ns = message.namespace
        let hasBody = message.child("body", namespace: ns) != nil
        let newSubject = hasBody || message.child("thread", namespace: ns) != nil ? nil : message.child("subject", namespace: ns)
        if newSubject != nil {
            let allowed = sender.role == .moderator || (config.changeSubject && sender.role >= .participant)
            guard allowed else {
                return out.send(Build.error(message, .forbidden, type: .auth, text: "You may not change the subject", by: jid))
            }
        } else if sender.role < .participant {
            return out.send(Build.error(message, .forbidden, type: .auth, text: "You have no voice in this room", by: jid))
        }
        let stanzaID = nextStanzaID(ctx)
        let reflected = reflection(of: message, from: sender, stanzaID: stanzaID)
        if let s = newSubject {
            let before = self
            subject = s.text
            subjectNick = sender.nick
            subjectTime = ctx.now
            subjectOccupantID = sender.occupantID
            var actions = ActionList()
            actions.emit(reflected, to: everySession())
            return out.append(contentsOf: committing(actions, since: before, request: message))
        }
        // XEP-0424: an author retracting one of its messages: joiners no longer get it.
        if let retract = message.child("retract", namespace: NS.retract), let target = retract.attribute("id") {
            history.remove(stanzaID: target, by: address, author: sender.occupantID)
        }
        // Delivered only once archived (the service holds what follows until the write commits).
        if archives(ctx) && Room.isArchivable(message) {
            let entry = archiveEntry(reflected, id: stanzaID, nick: sender.nick, sender: real.bare,
                                     occupantID: sender.occupantID, ctx)
            out.pendingArchive = PendingArchive(write: ArchiveWrite(message: entry), request: message)
        }
        if hasBody { history.record(reflected, at: ctx.now, limit: config.historyLength) }
        out.emit(reflected, to: everySession())
    }

    /// A message as the room passes it on from an occupant: from its occupant JID, without `to`,
    /// without what only the room may assert (any occupant id, a stanza id claiming to be the
    /// room's: XEP-0421 §4, XEP-0359 §5), then with the sender's occupant id and, for groupchat,
    /// the new stanza id (also its id when the client gave none, §7.4).
    func reflection(of message: Element, from sender: Occupant, stanzaID: String?) -> Element {
        var m = message
        m.children.removeAll { node in
            guard case .element(let e) = node else { return false }
            if e.namespace == NS.occupantID { return true }
            if e.namespace == NS.stanzaID && e.name == "stanza-id" { return isRoomJID(e.attribute("by")) }
            return false
        }
        m.setAttribute("from", occupantAddress(sender.nick))
        m.setAttribute("to", nil)
        if let stanzaID, m.attribute("id") == nil { m.setAttribute("id", stanzaID) }
        m.append(Element("occupant-id", namespace: NS.occupantID, attrs: ["id": sender.occupantID]))
        if let stanzaID { m.append(Element("stanza-id", namespace: NS.stanzaID, attrs: ["id": stanzaID, "by": address])) }
        return m
    }

    /// Whether an address is this room's bare JID (as a `by` attribute would name it).
    func isRoomJID(_ s: String?) -> Bool {
        guard let s else { return false }
        if s == address { return true }
        guard let j = try? JID(s) else { return false }
        return j.resource == nil && j.bare == jid
    }

    /// §7.5: to every session of the target, from the sender's occupant JID, marked with an empty
    /// `muc#user` element and the sender's occupant id. Groupchat type is a bad request;
    /// non-occupants get not-acceptable; an unknown nick item-not-found. `allowpm` decides who
    /// may send (not-allowed when nobody may, forbidden when the sender's role may not).
    private func privateMessage(_ message: Element, type: MessageType, to nick: String, from real: JID,
                                _ ctx: RoomContext, _ out: inout ActionList) {
        guard type != .groupchat else { return out.send(Build.error(message, .badRequest, type: .modify, by: jid)) }
        guard let sender = occupant(session: real) else {
            return out.send(Build.error(message, .notAcceptable, type: .cancel, text: "You are not in the room", by: jid))
        }
        guard let target = occupants[nick] else { return out.send(Build.error(message, .itemNotFound, by: jid)) }
        guard config.allowPM != .none else {
            return out.send(Build.error(message, .notAllowed, text: "Private messages are disabled in this room", by: jid))
        }
        guard config.allowPM.allows(sender.role) else { return out.send(Build.error(message, .forbidden, type: .auth, by: jid)) }
        var forwarded = reflection(of: message, from: sender, stanzaID: nil)
        if forwarded.child("x", namespace: NS.mucUser) == nil { forwarded.append(Element("x", namespace: NS.mucUser)) }
        out.emit(forwarded, to: target.sessions)
    }
}
