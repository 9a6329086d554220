import XMPPCore

extension Room {
    /// XEP-0425: a moderator retracts a groupchat message, named by the stanza id the room gave it
    /// (XEP-0359). Every occupant gets one groupchat message from the room carrying an XEP-0424
    /// `<retract/>` with `<moderated by='room/moderator-nick'>` (and the moderator's occupant id)
    /// and the reason; the message leaves the discussion history, so joiners no longer get it;
    /// then the moderator gets the result.
    ///
    /// Errors: not a moderator (occupants only: moderation is a role's privilege): forbidden (auth,
    /// the RFC 6120 type of forbidden; the XEP's example shows modify); no id: bad-request; a
    /// moderation other than retraction: feature-not-implemented; an id the room does not hold in
    /// its history (it keeps no archive, XEP-0313): item-not-found. A get: bad-request.
    mutating func moderate(_ iq: Element, request: Element, isSet: Bool, from real: JID, _ ctx: RoomContext, _ out: inout ActionList) {
        guard isSet else { return out.send(Build.error(iq, .badRequest)) }
        guard let moderator = occupant(session: real), moderator.role == .moderator else {
            return out.send(Build.error(iq, .forbidden, type: .auth, text: "Only moderators may moderate messages"))
        }
        guard let target = request.attribute("id"), !target.isEmpty else {
            return out.send(Build.error(iq, .badRequest, text: "Missing the stanza id of the message"))
        }
        guard request.child("retract", namespace: NS.retract) != nil else {
            return out.send(Build.error(iq, .featureNotImplemented, text: "Only retraction is supported"))
        }
        let inHistory = history.remove(stanzaID: target, by: address) != nil
        let archives = archives(ctx)
        guard inHistory || archives else {
            return out.send(Build.error(iq, .itemNotFound, text: "No such message in the room's history"))
        }
        var moderated = Element("moderated", namespace: NS.moderate, attrs: ["by": occupantAddress(moderator.nick)])
        moderated.append(Element("occupant-id", namespace: NS.occupantID, attrs: ["id": moderator.occupantID]))
        var retract = Element("retract", namespace: NS.retract, attrs: ["id": target])
        retract.append(moderated)
        if let reason = request.childText("reason", namespace: NS.moderate) {
            retract.append(.text("reason", namespace: NS.retract, reason))
        }
        let stanzaID = nextStanzaID(ctx)
        var m = Element("message", namespace: NS.component, attrs: ["from": address, "id": stanzaID, "type": "groupchat"])
        m.append(retract)
        m.append(Element("stanza-id", namespace: NS.stanzaID, attrs: ["id": stanzaID, "by": address]))
        if archives {
            // XEP-0425 §tombstones: the archive keeps who moderated and why, not the message. The
            // announcement is archived too (clients that page later learn of the moderation).
            var retracted = Element("retracted", namespace: NS.retract, attrs: ["stamp": Timestamp.format(ctx.now)])
            retracted.append(moderated)
            if let reason = request.childText("reason", namespace: NS.moderate) {
                retracted.append(.text("reason", namespace: NS.retract, reason))
            }
            let tombstone = Element("message", namespace: NS.component, attrs: ["type": "groupchat"], children: [retracted])
            var announcement = m
            announcement.setAttribute("from", nil)
            let entry = archiveEntry(announcement, id: stanzaID, nick: "", sender: real.bare, occupantID: "", ctx)
            out.pendingArchive = PendingArchive(
                write: ArchiveWrite(message: entry, tombstone: Tombstone(id: target, stanza: Serializer.string(tombstone),
                                                                          mustExist: !inHistory)),
                request: iq)
        }
        out.emit(m, to: everySession())
        out.send(iq.iqResult())
    }
}
