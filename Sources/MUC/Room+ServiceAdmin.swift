import XMPPCore

/// What the service's admin commands (`MUCService+AdminCommands.swift`) do to one room. The
/// service acts with its own authority, not as an occupant or an affiliated user: no permission
/// check applies and no actor is named, as when Prosody's commands act on a room.
extension Room {
    /// Destroys the room as §10.9 does (every occupant gets the unavailable presence with an empty
    /// `<destroy/>`, see `removeEveryone`); a stored room is deleted first, and a failed delete refuses `request` (the
    /// admin's command).
    mutating func destroyByService(request: Element, _ ctx: RoomContext, _ out: inout ActionList) {
        let before = self
        var actions = ActionList()
        removeEveryone(destroy: Element("destroy", namespace: NS.mucUser), ctx, &actions)
        out.append(contentsOf: committing(actions, since: before, request: request))
    }

    /// Gives `jid` the affiliation, with its usual effects on the user's occupants and the
    /// announcement to the room (§9, §10), then `then`; stored before anything goes out.
    mutating func setAffiliationByService(_ jid: BareJID, _ affiliation: Affiliation, reason: String?, request: Element,
                                          then: [Element], _ ctx: RoomContext, _ out: inout ActionList) {
        let before = self
        var actions = ActionList()
        applyAffiliation(AffiliationChange(jid: jid, affiliation: affiliation, reason: reason), actor: nil, ctx, &actions)
        for e in then { actions.send(e) }
        out.append(contentsOf: committing(actions, since: before, request: request))
    }
}
