import XMPPCore

/// §6.3: the service's public rooms, paged with result set management (XEP-0059) so that a service
/// with many rooms answers in slices. With a store, the page merges the store's public rooms (most
/// of which are not in memory) with the public rooms in memory (temporary ones, and stored ones
/// renamed since they were loaded); without one, it lists the rooms in memory. One
/// implementation for every backend.
extension MUCService {
    /// Most items in one answer; a client pages on with `<set><after/></set>`.
    public static let discoItemsPageLimit = 500

    /// A disco#items request waiting for a page of stored rooms.
    struct PendingListing {
        /// What the rooms are listed for.
        enum Purpose {
            case discoItems
            /// The options of the admins' destroy command (`MUCService+AdminCommands.swift`).
            case destroyForm(session: String)
        }
        let request: Element
        let after: BareJID?
        let max: Int
        let rsm: Bool
        var purpose: Purpose = .discoItems
    }

    /// Answers a disco#items get to the service, or asks the store for the page first.
    mutating func listPublicRooms(_ request: Element, query: Element, _ out: inout ActionList) {
        let set = query.child("set", namespace: NS.rsm)
        let requested = set?.childText("max", namespace: NS.rsm).flatMap { Int($0) } ?? Self.discoItemsPageLimit
        let max = min(Swift.max(requested, 0), Self.discoItemsPageLimit)
        let after = set?.childText("after", namespace: NS.rsm).flatMap { try? BareJID($0) }
        let listing = PendingListing(request: request, after: after, max: max, rsm: set != nil)
        guard usesStore else {
            return out.send(request.iqResult(discoItems(stored: [], listing)))
        }
        listingSerial &+= 1
        listings[listingSerial] = listing
        // One more than the page: whether the store has rooms beyond it bounds the memory rooms.
        out.append(.listRooms(RoomListing(id: listingSerial, after: after, limit: max + 1, publicOnly: true)))
    }

    /// The store answered a `.listRooms`: the page goes to whoever asked.
    public mutating func roomsListed(_ id: UInt64, _ stored: [RoomSummary]) -> [MUCAction] {
        guard let listing = listings.removeValue(forKey: id) else { return [] }
        switch listing.purpose {
        case .discoItems: return [.send(listing.request.iqResult(discoItems(stored: stored, listing)))]
        case .destroyForm(let session): return [.send(destroyForm(listing.request, session: session, stored: stored))]
        }
    }

    /// The store failed a `.listRooms`: the requester gets `internal-server-error` (wait).
    public mutating func listingFailed(_ id: UInt64) -> [MUCAction] {
        guard let listing = listings.removeValue(forKey: id) else { return [] }
        return [.send(Build.error(listing.request, .internalServerError, type: .wait, text: Self.storageText))]
    }

    /// Public, unlocked rooms in memory after `after`, in JID order.
    func publicRoomsInMemory(after: BareJID?) -> [(jid: BareJID, name: String)] {
        var out: [(jid: BareJID, name: String)] = []
        for (key, room) in rooms where room.config.isPublic && !room.locked {
            if let after, key <= after { continue }
            out.append((key, room.displayName))
        }
        out.sort { $0.jid < $1.jid }
        return out
    }

    /// Merges stored and in-memory rooms (memory wins: it is newer), in JID order after `after`.
    func discoItems(stored: [RoomSummary], _ listing: PendingListing) -> Element {
        let max = listing.max
        var byJID: [BareJID: String] = [:]
        for s in stored where s.isPublic {
            byJID[s.jid] = s.name.isEmpty ? (s.jid.localpart ?? s.jid.description) : s.name
        }
        // Stored rooms beyond the last one the store returned may sort after in-memory ones; keep
        // only in-memory rooms up to that bound so the page stays in order without gaps.
        let bound = stored.count > max ? stored.last?.jid : nil
        for m in publicRoomsInMemory(after: listing.after) {
            if let bound, m.jid > bound { break }
            byJID[m.jid] = m.name
        }
        // A stored room made private or temporary since it was loaded: memory is newer.
        for s in stored where rooms[s.jid].map({ !$0.config.isPublic || $0.locked }) == true { byJID[s.jid] = nil }
        let ordered = byJID.keys.sorted()
        let page = ordered.prefix(max)
        var q = Build.query(NS.discoItems)
        for jid in page {
            q.append(Element("item", namespace: NS.discoItems, attrs: ["jid": jid.description, "name": byJID[jid]]))
        }
        if listing.rsm || ordered.count > max {
            var set = Element("set", namespace: NS.rsm)
            if let first = page.first, let last = page.last {
                set.append(.text("first", namespace: NS.rsm, first.description))
                set.append(.text("last", namespace: NS.rsm, last.description))
            }
            q.append(set)
        }
        return q
    }
}
