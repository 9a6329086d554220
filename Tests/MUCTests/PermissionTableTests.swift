import Testing
import XMPPCore
@testable import MUC

/// XEP-0045 §5.1.1, §5.1.3, §5.2.1 and the use cases of §8–§10, row by row.
@Suite struct PermissionTableTests {
    typealias A = Affiliation
    typealias R = Role

    static let affiliationRows: [(A, A, A, Bool, String?)] = [
        // actor, target's current, new, is self, expected condition (nil = allowed)
        (.owner, .none, .member, false, nil),
        (.owner, .member, .admin, false, nil),
        (.owner, .admin, .owner, false, nil),
        (.owner, .owner, .none, false, nil),
        (.owner, .none, .outcast, false, nil),
        (.owner, .admin, .outcast, false, nil),
        (.owner, .owner, .admin, true, nil),
        (.owner, .owner, .outcast, true, "conflict"),
        (.admin, .none, .member, false, nil),
        (.admin, .member, .none, false, nil),
        (.admin, .none, .outcast, false, nil),
        (.admin, .member, .outcast, false, nil),
        (.admin, .outcast, .none, false, nil),
        (.admin, .outcast, .member, false, nil),
        (.admin, .none, .admin, false, "forbidden"),
        (.admin, .member, .owner, false, "forbidden"),
        (.admin, .admin, .none, false, "forbidden"),
        (.admin, .admin, .member, true, "forbidden"),
        (.admin, .owner, .member, false, "forbidden"),
        (.admin, .owner, .outcast, false, "not-allowed"),
        (.admin, .admin, .outcast, false, "not-allowed"),
        (.admin, .admin, .outcast, true, "conflict"),
        (.member, .none, .member, false, "forbidden"),
        (.member, .none, .outcast, false, "forbidden"),
        (.none, .none, .member, false, "forbidden"),
        (.outcast, .none, .member, false, "forbidden"),
    ]

    @Test(arguments: affiliationRows)
    func affiliationChange(_ row: (A, A, A, Bool, String?)) {
        let e = Permissions.affiliationChange(actor: row.0, current: row.1, new: row.2, isSelf: row.3)
        #expect(e?.condition.rawValue == row.4, "\(row)")
        if let e {
            // Each condition with the type the XEP's examples give it.
            let expectedType: StanzaError.ErrorType = e.condition == .forbidden ? .auth : .cancel
            #expect(e.type == expectedType)
        }
    }

    static let roleRows: [(A, R, A, R, R, String?)] = [
        // actor affiliation, actor role, target affiliation, target role, new role, expected
        (.none, .participant, .none, .participant, .none, "forbidden"),
        (.owner, .participant, .none, .participant, .none, "forbidden"),
        (.owner, .moderator, .none, .participant, .none, nil),
        (.owner, .moderator, .admin, .moderator, .none, nil),
        (.admin, .moderator, .owner, .moderator, .none, "not-allowed"),
        (.admin, .moderator, .admin, .moderator, .none, "not-allowed"),
        (.member, .moderator, .admin, .moderator, .none, "not-allowed"),
        (.member, .moderator, .none, .moderator, .none, "not-allowed"),
        (.member, .moderator, .none, .participant, .none, nil),
        (.member, .moderator, .member, .participant, .none, nil),
        (.none, .moderator, .member, .participant, .none, "not-allowed"),
        (.admin, .moderator, .none, .visitor, .participant, nil),
        (.none, .moderator, .none, .visitor, .participant, nil),
        (.admin, .moderator, .member, .participant, .visitor, nil),
        (.owner, .moderator, .admin, .moderator, .visitor, "not-allowed"),
        (.owner, .moderator, .owner, .moderator, .visitor, "not-allowed"),
        (.member, .moderator, .member, .participant, .visitor, "not-allowed"),
        (.member, .moderator, .none, .participant, .visitor, nil),
        (.admin, .moderator, .none, .participant, .moderator, nil),
        (.member, .moderator, .none, .participant, .moderator, "forbidden"),
        (.admin, .moderator, .member, .moderator, .participant, nil),
        (.admin, .moderator, .admin, .moderator, .participant, "not-allowed"),
        (.admin, .moderator, .owner, .moderator, .participant, "not-allowed"),
        (.owner, .moderator, .admin, .moderator, .participant, nil),
        (.member, .moderator, .none, .moderator, .participant, "forbidden"),
        (.owner, .moderator, .none, .participant, .participant, nil),
    ]

    @Test(arguments: roleRows)
    func roleChange(_ row: (A, R, A, R, R, String?)) {
        let e = Permissions.roleChange(actor: row.0, actorRole: row.1, target: row.2, current: row.3, new: row.4)
        #expect(e?.condition.rawValue == row.5, "\(row)")
        if let e { #expect(e.type == (e.condition == .forbidden ? .auth : .cancel)) }
    }
}
