import XMPPCore

extension Room {
    /// IQs to the room (§6, §7.10, §7.12, §8–§10) or to an occupant JID (§17.4 rule 3).
    mutating func handleIQ(_ stanza: Stanza, from real: JID, nick: String?, _ ctx: RoomContext, _ out: inout ActionList) {
        let iq = stanza.element
        guard let type = stanza.iqType else { return out.send(Build.error(iq, .badRequest)) }
        let isSet: Bool
        switch type {
        case .result, .error:
            // Never answered; an answer to a forwarded IQ goes back to its requester. A session
            // that bounces the room's availability ping is a ghost (§18.1.2).
            if nick != nil {
                routeAnswer(iq, from: real, &out)
            } else if type == .error, iq.attribute("id")?.hasPrefix(Room.pingIDPrefix) == true,
                      occupant(session: real) != nil, Room.isGhostError(stanza) {
                removeGhost(session: real, ctx, &out)
            }
            return
        case .get: isSet = false
        case .set: isSet = true
        }
        if let nick { return iqToOccupant(iq, nick: nick, isSet: isSet, from: real, ctx, &out) }
        guard let payload = iq.elements.first else { return out.send(Build.error(iq, .badRequest)) }
        // §7.2.10: a locked room does not exist yet for anyone but its owners.
        if locked && affiliation(of: real.bare, ctx) != .owner { return out.send(Build.error(iq, .itemNotFound)) }
        switch (payload.name, payload.namespace) {
        case ("query", NS.discoInfo):
            if isSet { return out.send(Build.error(iq, .featureNotImplemented)) }
            out.send(discoInfo(iq, node: payload.attribute("node"), from: real, ctx))
        case ("query", NS.discoItems):
            if isSet { return out.send(Build.error(iq, .featureNotImplemented)) }
            out.send(discoItems(iq, node: payload.attribute("node"), from: real, ctx))
        case ("query", NS.mucAdmin):
            handleAdmin(iq, query: payload, isSet: isSet, from: real, ctx, &out)
        case ("query", NS.mucOwner):
            handleOwner(iq, query: payload, isSet: isSet, from: real, ctx, &out)
        case ("query", NS.register):
            handleRegister(iq, query: payload, isSet: isSet, from: real, ctx, &out)
        case ("ping", NS.ping):
            out.send(isSet ? Build.error(iq, .featureNotImplemented) : iq.iqResult())
        case ("query", MoreNS.mam):
            archiveQuery(iq, query: payload, isSet: isSet, from: real, ctx, &out)
        case ("moderate", NS.moderate):
            moderate(iq, request: payload, isSet: isSet, from: real, ctx, &out)
        case ("command", MoreNS.commands):
            if !isSet { return out.send(Build.error(iq, .badRequest, text: "Commands are executed with an IQ set")) }
            hatCommand(iq, command: payload, from: real, ctx, &out)
        default:
            out.send(Build.error(iq, .serviceUnavailable))
        }
    }

    /// An IQ to `room@service/nick`. Occupants may ping themselves (XEP-0410: answered by the
    /// room); other requests go to the target's real JID — vCard requests to its bare JID, where the
    /// user's server answers — from the requester's occupant JID, so that no real JID is revealed
    /// (§17.4 rule 3). Non-occupants get bad-request for disco (§6.6) and not-acceptable (cancel,
    /// by the room) otherwise, as XEP-0410 §3.2 specifies for a self-ping from a non-occupant.
    private mutating func iqToOccupant(_ iq: Element, nick: String, isSet: Bool, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        let payload = iq.elements.first
        guard let sender = occupant(session: real) else {
            let isDisco = payload?.namespace == NS.discoInfo || payload?.namespace == NS.discoItems
            if isDisco { return out.send(Build.error(iq, .badRequest)) }
            return out.send(Build.error(iq, .notAcceptable, type: .cancel, text: "You are not in the room", by: jid))
        }
        guard let payload else { return out.send(Build.error(iq, .badRequest)) }
        if nick == sender.nick && !isSet && payload.name == "ping" && payload.namespace == NS.ping {
            return out.send(iq.iqResult())
        }
        guard let target = occupants[nick], let session = target.sessions.first else {
            return out.send(Build.error(iq, .itemNotFound))
        }
        let destination = payload.namespace == "vcard-temp" ? target.bare.jid : session
        let id = pendingIQs.add(.init(requester: real, originalID: iq.attribute("id"), targetNick: nick, target: destination))
        var forwarded = iq
        forwarded.setAttribute("id", id)
        forwarded.setAttribute("from", occupantAddress(sender.nick))
        forwarded.setAttribute("to", destination.description)
        out.send(forwarded)
    }

    /// The answer to a forwarded IQ, back to the requester under its own id, from the target's occupant JID.
    private mutating func routeAnswer(_ iq: Element, from responder: JID, _ out: inout ActionList) {
        guard let entry = pendingIQs.take(id: iq.attribute("id"), from: responder) else { return }
        var answer = iq
        answer.setAttribute("id", entry.originalID)
        answer.setAttribute("from", occupantAddress(entry.targetNick))
        answer.setAttribute("to", entry.requester.description)
        out.send(answer)
    }
}
