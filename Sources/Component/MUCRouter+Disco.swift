import MUC
import RoomStore
import XMPPCore

/// §6.3 with lazy loading: the service's public room list is the store's public rooms merged with
/// the public rooms in memory (temporary ones, and stored ones whose name changed since loading),
/// paged with result set management (XEP-0059) so a service with many rooms answers in slices.
extension MUCRouter {
    /// Most items in one answer; a client pages on with `<set><after/></set>`.
    static let discoItemsPageLimit = 500

    /// Whether this is a disco#items request to the service itself.
    static func isServiceDiscoItems(_ stanza: Stanza) -> Bool {
        guard stanza.kind == .iq, stanza.type == "get", stanza.to?.localpart == nil,
              let q = stanza.payload, q.name == "query", q.namespace == NS.discoItems,
              q.attribute("node") == nil else { return false }
        return true
    }

    func listRoomsThenReply(_ stanza: Stanza, store: any RoomStore) {
        let query = stanza.payload
        let set = query?.child("set", namespace: NS.rsm)
        let requested = set?.childText("max", namespace: NS.rsm).flatMap { Int($0) } ?? Self.discoItemsPageLimit
        let max = min(Swift.max(requested, 0), Self.discoItemsPageLimit)
        let after = set?.childText("after", namespace: NS.rsm).flatMap { try? BareJID($0) }
        let memory = service.publicRoomsInMemory()
        let element = stanza.element
        runWhileHeld { finish in
            let stored: Result<[RoomSummary], any Error>
            do { stored = .success(try await store.list(after: after, limit: max + 1, publicOnly: true)) }
            catch { stored = .failure(error) }
            finish { router, out in
                switch stored {
                case .failure(let error):
                    router.logger.error("listing rooms failed: \(error)")
                    if let reply = MUCRouter.storageErrorReply(element) { out.send(reply) }
                case .success(let summaries):
                    out.send(element.iqResult(MUCRouter.discoItems(stored: summaries, memory: memory, after: after,
                                                                   max: max, rsm: set != nil, domain: router.service.domain)))
                }
            }
        }
    }

    /// Merges stored and in-memory rooms (memory wins: it is newer), in JID order after `after`.
    static func discoItems(stored: [RoomSummary], memory: [(jid: BareJID, name: String)], after: BareJID?,
                           max: Int, rsm: Bool, domain: String) -> Element {
        var byJID: [BareJID: String] = [:]
        for s in stored { byJID[s.jid] = s.name.isEmpty ? (s.jid.localpart ?? s.jid.description) : s.name }
        // Stored rooms beyond the last one the store returned may sort after in-memory ones; keep
        // only in-memory rooms up to that bound so the page stays in order without gaps.
        let bound = stored.count > max ? stored.last?.jid : nil
        for m in memory where after.map({ m.jid > $0 }) ?? true {
            if let bound, m.jid > bound { continue }
            byJID[m.jid] = m.name
        }
        let ordered = byJID.keys.sorted()
        let page = ordered.prefix(max)
        var q = Element("query", namespace: NS.discoItems)
        for jid in page {
            q.append(Element("item", namespace: NS.discoItems, attrs: ["jid": jid.description, "name": byJID[jid]]))
        }
        if rsm || ordered.count > max {
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
