import XMPPCore

/// The presences a (re)joining session receives (§7.2.2), made one at a time while the runtime
/// writes them: a join into a room of n with full presence sends n presences, and building them
/// all before writing any would hold n element trees at once (about 1 KB each), a peak that the
/// allocator keeps. The room is captured as a value (copy-on-write: nothing is copied unless the
/// room changes before the roster is written), so the roster is exactly the room as it was when
/// the join was handled.
///
/// Order: every other occupant the viewer may see, in join order; then, when
/// `presencebroadcast` includes `none`, an unavailable presence for each absent affiliated user
/// with a reserved nick (`nick=` in the item). Outcasts and users without a reserved nick are not
/// announced: the first is the ban list, the second would come from the bare room JID, which
/// clients read as the room itself.
public struct Roster: Sequence, Sendable, Equatable {
    let room: Room
    let viewer: Occupant
    let ctx: RoomContext
    /// The session it goes to.
    public let session: JID

    init(room: Room, viewer: Occupant, session: JID, ctx: RoomContext) {
        self.room = room
        self.viewer = viewer
        self.session = session
        self.ctx = ctx
    }

    public func makeIterator() -> Iterator { Iterator(self) }

    /// Rosters are equal when they produce the same stanzas.
    public static func == (a: Roster, b: Roster) -> Bool { a.session == b.session && Array(a) == Array(b) }

    public struct Iterator: IteratorProtocol {
        private let roster: Roster
        private let to: String
        private let shown: RoleMask
        private let seesJIDs: Bool
        private var present: OccupantTable.Iterator
        /// The absent affiliated users, worked out once the present occupants are done.
        private var absent: [AffiliationRecord]?
        private var absentIndex = 0

        init(_ roster: Roster) {
            self.roster = roster
            to = roster.session.description
            shown = RoleMask(roster.room.config.presenceBroadcast)
            seesJIDs = roster.room.config.seesRealJIDs(roster.viewer.role)
            present = roster.room.occupants.makeIterator()
        }

        public mutating func next() -> Element? {
            let room = roster.room, viewer = roster.viewer
            while let other = present.next() {
                guard other.nick != viewer.nick, shown.contains(other.role) || other.bare == viewer.bare else { continue }
                return room.rosterPresence(of: other, seesJIDs: seesJIDs || other.bare == viewer.bare, to: to, roster.ctx)
            }
            guard shown.contains(.none) else { return nil }
            if absent == nil {
                var inRoom = Set<BareJID>()
                for o in room.occupants { inRoom.insert(o.bare) }
                absent = room.affiliations.values
                    .filter { $0.affiliation != .outcast && $0.nick != nil && !inRoom.contains($0.jid) }
                    .sorted { $0.jid < $1.jid }
            }
            guard let list = absent, absentIndex < list.count else { return nil }
            let record = list[absentIndex]
            absentIndex += 1
            let item = Build.item(affiliation: record.affiliation, role: Role.none,
                                  jid: seesJIDs ? record.jid.description : nil, nick: record.nick)
            return Build.presence(from: room.occupantAddress(record.nick ?? ""), to: to, type: "unavailable", payload: [],
                                  x: Build.userX(items: [item]),
                                  extra: room.presenceExtras(bare: record.jid,
                                                             occupantID: roster.ctx.settings.occupantID(room: room.jid, user: record.jid)))
        }
    }
}
