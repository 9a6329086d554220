import XMPPCore

/// What happens to a reserved nick along with an affiliation change.
enum NickUpdate: Equatable {
    case keep
    case set(String)
    case clear
}

/// One affiliation change, already authorised.
struct AffiliationChange {
    var jid: BareJID
    var affiliation: Affiliation
    var nick: NickUpdate = .keep
    var reason: String?
}

extension Room {
    /// Applies an authorised affiliation change (§9, §10, §7.10) and tells the room:
    /// - reserving a nick evicts whoever else is using it (307, "This nickname is reserved");
    /// - the user's occupants get a presence update with the new affiliation (and the role it
    ///   implies, §5.1.3), or are removed (301 when banned, 321 when no longer allowed in);
    /// - a user not in the room is announced with a message carrying the item (§10.3, §10.6: MAY),
    ///   with the reason and, for a ban, 301, to every occupant in a non-anonymous room and to
    ///   moderators only in a semi-anonymous one.
    mutating func applyAffiliation(_ change: AffiliationChange, actor: Actor?, _ ctx: RoomContext, _ out: inout ActionList) {
        if case .set(let n) = change.nick, change.affiliation != .outcast, let holder = occupants[n], holder.bare != change.jid {
            evict(nick: n, codes: [.kicked], actor: nil, reason: "This nickname is reserved", ctx, &out)
        }
        let old = storedAffiliation(of: change.jid)
        var record = affiliations[change.jid] ?? AffiliationRecord(jid: change.jid, affiliation: change.affiliation)
        record.affiliation = change.affiliation
        switch change.nick {
        case .keep: break
        case .set(let n): record.nick = n
        case .clear: record.nick = nil
        }
        // §9.1: "MUST remove the outcast's nickname from the list of registered nicknames".
        if change.affiliation == .outcast { record.nick = nil }
        record.reason = change.reason
        setRecord(record)

        let isDowngrade = change.affiliation < old
        let implied = defaultRole(for: affiliation(of: change.jid, ctx))
        let mine = occupants(of: change.jid)
        for var o in mine {
            let prev = o.role
            // The role gained with an affiliation is fixed; one lost follows the new affiliation (§5.1.3 note).
            if o.role != implied && (isDowngrade || implied > o.role) { o.role = implied }
            if o.role == .none {
                let code: StatusCode = change.affiliation == .outcast ? .banned : .affiliationChangeRemoval
                evict(nick: o.nick, codes: [code], actor: actor, reason: change.reason, ctx, &out)
            } else {
                updateOccupant(o)
                publish(o, PresenceChange(actor: actor, reason: change.reason), prevRole: prev, ctx, &out)
                resendRosterIfVisibilityChanged(o, from: prev, ctx, &out)
            }
        }
        if mine.isEmpty {
            // As for one present (301 and the reason with a ban), so that those who see the list
            // change also see why (Prosody 13 announces the reason the same way).
            let item = Build.item(affiliation: change.affiliation, role: nil, jid: change.jid.description, reason: change.reason)
            let codes: [StatusCode] = change.affiliation == .outcast ? [.banned] : []
            let message = Element("message", namespace: NS.component, attrs: ["from": address],
                                  children: [Build.userX(pre: codes, items: [item])])
            let recipients = config.whois == .anyone ? everySession() : sessions { $0.role == .moderator }
            out.emit(message, to: recipients)
        }
    }

    /// Applies an authorised role change (§8.2–§8.5, §9.6, §9.7): `none` kicks (307).
    mutating func applyRole(nick: String, role: Role, actor: Actor?, reason: String?, _ ctx: RoomContext, _ out: inout ActionList) {
        guard var o = occupants[nick] else { return }
        if role == .none {
            evict(nick: nick, codes: [.kicked], actor: actor, reason: reason, ctx, &out)
            return
        }
        let prev = o.role
        o.role = role
        updateOccupant(o)
        publish(o, PresenceChange(actor: actor, reason: reason), prevRole: prev, ctx, &out)
        resendRosterIfVisibilityChanged(o, from: prev, ctx, &out)
    }

    /// In a semi-anonymous room, becoming (or ceasing to be) a moderator changes which real JIDs
    /// one may see: the occupant gets everyone's presence again, as it now may see it.
    func resendRosterIfVisibilityChanged(_ o: Occupant, from prev: Role, _ ctx: RoomContext, _ out: inout ActionList) {
        guard config.seesRealJIDs(prev) != config.seesRealJIDs(o.role) else { return }
        for s in o.sessions { sendRoster(to: s, viewer: o, ctx, &out) }
    }
}
