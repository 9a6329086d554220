/// A session-long association between an occupant and a room (XEP-0045 §5.1).
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case none, visitor, participant, moderator

    /// Rank in the §5.1.1 hierarchy: none < visitor < participant < moderator.
    var rank: Int {
        switch self {
        case .none: return 0
        case .visitor: return 1
        case .participant: return 2
        case .moderator: return 3
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }

    /// Roles in a stable order (for forms and lists).
    static let ordered: [Role] = [.moderator, .participant, .visitor, .none]
}

/// A set of roles as a bit mask: membership without hashing, for loops over every occupant of a
/// large room.
struct RoleMask {
    private var bits: UInt8 = 0

    init(_ roles: Set<Role>) {
        self.init { roles.contains($0) }
    }

    /// The roles that satisfy `predicate`.
    init(where predicate: (Role) -> Bool) {
        for r in Role.allCases where predicate(r) { bits |= 1 << UInt8(r.rank) }
    }

    func contains(_ role: Role) -> Bool { bits & (1 << UInt8(role.rank)) != 0 }
}
