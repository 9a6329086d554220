import XMPPCore

/// Who may change whose role or affiliation: XEP-0045 §5.1.1, §5.1.3, §5.2.1 and the use cases of
/// §8 (moderators), §9 (admins) and §10 (owners). Pure functions, so each row of the tables has a test.
enum Permissions {
    /// May an actor with (effective) affiliation `actor` change a user's affiliation from `current`
    /// to `new`? nil when allowed, else the error the XEP names. The last-owner rule is checked
    /// separately (it depends on the whole request).
    static func affiliationChange(actor: Affiliation, current: Affiliation, new: Affiliation, isSelf: Bool) -> StanzaError? {
        // §9 preamble: admin use cases are denied to non-admins with forbidden.
        guard actor >= .admin else { return StanzaError(.forbidden, type: .auth) }
        // §9.1: "If an admin or owner attempts to ban himself, the service MUST deny the request
        // and return a conflict error."
        if isSelf && new == .outcast { return StanzaError(.conflict, type: .cancel) }
        // §10: owners may grant and revoke every affiliation.
        if actor == .owner { return nil }
        // §10.3–§10.8: only owners edit the owner and admin lists (forbidden otherwise).
        if new >= .admin { return StanzaError(.forbidden, type: .auth) }
        if current >= .admin {
            // §9.1: "if an admin attempts to ban an owner, the service MUST deny the request and
            // return a not-allowed error"; revoking admin or owner status is an owner's act (§10.4, §10.7).
            return new == .outcast ? StanzaError(.notAllowed, type: .cancel) : StanzaError(.forbidden, type: .auth)
        }
        // §9.1–§9.5: admins ban, unban and edit the member list.
        return nil
    }

    /// May an occupant (role `actorRole`, affiliation `actor`) change the role of an occupant with
    /// affiliation `target` and role `current` to `new`? nil when allowed, else the error the XEP names.
    static func roleChange(actor: Affiliation, actorRole: Role, target: Affiliation, current: Role, new: Role) -> StanzaError? {
        // §8 preamble: moderator use cases are denied to non-moderators with forbidden.
        guard actorRole == .moderator else { return StanzaError(.forbidden, type: .auth) }
        if new == current { return nil }
        // §8.2 ("A user cannot be kicked by a moderator with a lower affiliation"), §8.4 and the
        // note of §5.1.3 (no revoking privileges of someone with a higher affiliation): not-allowed.
        if target > actor { return StanzaError(.notAllowed, type: .cancel) }
        // §9.7: "an admin MUST NOT be allowed to revoke moderator status from a user whose
        // affiliation is owner or admin" (nor, by §8.2, kick them).
        if actor == .admin && target == .admin { return StanzaError(.notAllowed, type: .cancel) }
        // §8.4: "a service MUST NOT allow the voice privileges of an admin or owner to be removed by anyone".
        if new == .visitor && target >= .admin { return StanzaError(.notAllowed, type: .cancel) }
        if new == .none {
            // §5.1.3 role chart: a moderator is kicked by an admin or owner only.
            if current == .moderator && actor < .admin { return StanzaError(.notAllowed, type: .cancel) }
            return nil
        }
        // §5.2.1, §9.6, §9.7: granting and revoking the moderator role is an admin use case.
        if (new == .moderator || current == .moderator) && actor < .admin { return StanzaError(.forbidden, type: .auth) }
        // §8.4: "A moderator MUST NOT be able to revoke voice from a user whose affiliation is at
        // or above the moderator's level."
        if new == .visitor && current >= .participant && target >= actor {
            return StanzaError(.notAllowed, type: .cancel)
        }
        return nil
    }
}
