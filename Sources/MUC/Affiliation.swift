/// A long-lived association between a bare JID and a room (XEP-0045 §5.2).
public enum Affiliation: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case outcast, none, member, admin, owner

    /// Rank in the §5.2.1 hierarchy: outcast < none < member < admin < owner.
    var rank: Int {
        switch self {
        case .outcast: return 0
        case .none: return 1
        case .member: return 2
        case .admin: return 3
        case .owner: return 4
        }
    }

    public static func < (a: Affiliation, b: Affiliation) -> Bool { a.rank < b.rank }
}
