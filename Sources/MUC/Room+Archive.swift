import XMPPCore

extension Room {
    // MARK: What goes in

    /// Whether a groupchat message the room reflects goes to its archive: what occupants read
    /// later — a body, a subject with a thread (not a subject change), a retraction (XEP-0424),
    /// a reaction (XEP-0444) or anything with a `store` hint (XEP-0334) — unless it carries
    /// `no-store` or `no-permanent-store`. Subject changes are not archived: joiners get the
    /// subject anyway, and in a page of history a bare subject reads as a message.
    static func isArchivable(_ message: Element) -> Bool {
        var wanted = false
        var hasSubject = false
        var hasThread = false
        for case .element(let e) in message.children {
            switch e.namespace {
            case MoreNS.hints:
                if e.name == "no-store" || e.name == "no-permanent-store" { return false }
                if e.name == "store" { wanted = true }
            case NS.retract where e.name == "retract", MoreNS.reactions where e.name == "reactions":
                wanted = true
            case message.namespace:
                switch e.name {
                case "body": wanted = true
                case "subject": hasSubject = true
                case "thread": hasThread = true
                default: break
                }
            default:
                break
            }
        }
        return wanted || (hasSubject && hasThread)
    }

    /// The archive entry of a message as reflected (`reflected` carries no `to`).
    func archiveEntry(_ reflected: Element, id: String, nick: String, sender: BareJID, occupantID: String,
                      _ ctx: RoomContext) -> ArchivedMessage {
        ArchivedMessage(room: jid, id: id, time: ctx.now, nick: nick, sender: sender, occupantID: occupantID,
                        stanza: Serializer.string(reflected))
    }

    // MARK: Join history

    /// The archive read a joiner's history needs, or nil when the ring is enough: the room does
    /// not archive, the joiner asked for nothing (`maxstanzas` or `maxchars` 0), or the ring
    /// already holds as many messages as the joiner may get. The archive's newest messages within
    /// the joiner's `seconds`/`since` are read (twice the count: some may be reactions or
    /// tombstones, which are not history).
    func historyFromArchive(for session: JID, _ request: History.Request, _ ctx: RoomContext) -> PendingHistory? {
        guard archives(ctx) else { return nil }
        let wanted = min(request.maxStanzas ?? Int.max, config.historyLength)
        guard wanted > 0, request.maxChars != 0, history.count < wanted else { return nil }
        var start = request.since
        if let s = request.seconds { start = max(start ?? -.infinity, ctx.now - s) }
        let query = ArchiveQuery(room: jid, start: start, page: .last, max: min(wanted * 2, ctx.settings.archive.maxPageSize))
        return PendingHistory(query: query, session: session, request: request, ring: history.entries, limit: config.historyLength,
                              roomAddress: address, now: ctx.now)
    }

    /// A joiner's history from an archive page and the ring it had at the join: the archived
    /// messages with a body (tombstones and reactions are not discussion history) that the ring
    /// does not hold, then the ring, under the joiner's limits, each with its `<delay/>`.
    static func joinHistory(_ page: ArchivePage?, for pending: PendingHistory, parse: (String) -> Element?) -> [Element] {
        var merged = History()
        let inRing = Set(pending.ring.compactMap { $0.message.child("stanza-id", namespace: NS.stanzaID)?.attribute("id") })
        var entries: [History.Entry] = []
        for m in page?.messages ?? [] where !inRing.contains(m.id) {
            guard let parsed = parse(m.stanza), !m.nick.isEmpty else { continue }
            // Read back in jabber:client (see `MUCService.archiveAnswered`); history goes out as
            // any stanza the component sends.
            var message = Room.moved(parsed, from: NS.client, to: NS.component)
            guard
                  message.child("body", namespace: message.namespace) != nil,
                  message.child("retracted", namespace: NS.retract) == nil else { continue }
            message.setAttribute("from", pending.roomAddress + "/" + m.nick)
            message.setAttribute("to", nil)
            entries.append(History.Entry(message: message, time: m.time))
        }
        entries += pending.ring
        for e in entries { merged.record(e.message, at: e.time, limit: entries.count) }
        return merged.replay(pending.request, room: pending.roomAddress, now: pending.now, limit: pending.limit)
    }

    /// `element` with every element of namespace `old` in its tree moved to `new`.
    static func moved(_ element: Element, from old: String, to new: String) -> Element {
        var e = element
        if e.namespace == old { e.namespace = new }
        for i in e.children.indices {
            if case .element(let child) = e.children[i] { e.children[i] = .element(moved(child, from: old, to: new)) }
        }
        return e
    }

    // MARK: Queries

    /// Whether `real` may read the room's archive (XEP-0313 on a room; XEP-0045 leaves it to us):
    /// outcasts never; in members-only, password-protected or hidden rooms only affiliated users and
    /// present occupants; in open public rooms anyone.
    func mayReadArchive(_ real: JID, _ ctx: RoomContext) -> Bool {
        let affiliation = affiliation(of: real.bare, ctx)
        if affiliation == .outcast { return false }
        if affiliation >= .member || occupant(session: real) != nil { return true }
        return !config.membersOnly && !config.passwordProtected && config.isPublic
    }

    /// Whether archive results show senders' real JIDs to `real`: in non-anonymous rooms to
    /// anyone, in semi-anonymous ones to moderators and to admins and owners (who would be).
    func archiveShowsRealJIDs(to real: JID, _ ctx: RoomContext) -> Bool {
        config.whois == .anyone || occupant(session: real)?.role == .moderator || affiliation(of: real.bare, ctx) >= .admin
    }

    /// XEP-0313 query on the room's JID. A get returns the query form; a set reads a page: form
    /// fields `start`, `end`, `with` (a real JID: only for requesters who may see real JIDs,
    /// `forbidden` otherwise), RSM `max` (the service's default and maximum page sizes apply),
    /// `after`, `before` (empty: the last page). Errors: no archive (archiving off here):
    /// `feature-not-implemented`; no right to read: `forbidden`; a bad field or paging:
    /// `bad-request`; RSM `index`: `feature-not-implemented`.
    mutating func archiveQuery(_ iq: Element, query: Element, isSet: Bool, from real: JID, _ ctx: RoomContext,
                               _ out: inout ActionList) {
        guard archives(ctx) else {
            return out.send(Build.error(iq, .featureNotImplemented, text: "This room keeps no message archive"))
        }
        guard mayReadArchive(real, ctx) else {
            return out.send(Build.error(iq, .forbidden, type: .auth, text: "You may not read this room's archive"))
        }
        guard isSet else { return out.send(iq.iqResult(Build.query(MoreNS.mam, children: [Room.archiveQueryForm.element]))) }
        let showsRealJIDs = archiveShowsRealJIDs(to: real, ctx)
        var request = ArchiveQuery(room: jid, max: ctx.settings.archive.defaultPageSize, wantsCount: true)
        func bad(_ text: String) { out.send(Build.error(iq, .badRequest, text: text)) }
        if let x = query.child("x", namespace: NS.dataForms), let form = DataForm(element: x) {
            if let type = form.formType, type != MoreNS.mam { return bad("The form is not of type \(MoreNS.mam)") }
            for field in form.fields {
                guard let name = field.variable, name != "FORM_TYPE", let value = field.value, !value.isEmpty else { continue }
                switch name {
                case "start":
                    guard let t = Timestamp.parse(value) else { return bad("'start' is not a date and time (XEP-0082)") }
                    request.start = t
                case "end":
                    guard let t = Timestamp.parse(value) else { return bad("'end' is not a date and time (XEP-0082)") }
                    request.end = t
                case "with":
                    guard let j = try? JID(value) else { return bad("'with' is not a JID") }
                    guard showsRealJIDs else {
                        return out.send(Build.error(iq, .forbidden, type: .auth,
                                                    text: "Filtering by sender needs the right to see real JIDs in this room"))
                    }
                    request.with = j.bare
                default:
                    return bad("Unsupported field '\(name)'")
                }
            }
        }
        if let set = query.child("set", namespace: NS.rsm) {
            if let text = set.childText("max", namespace: NS.rsm) {
                guard let n = Int(text), n >= 0 else { return bad("RSM max must be a number") }
                request.max = n
            }
            if set.child("index", namespace: NS.rsm) != nil {
                return out.send(Build.error(iq, .featureNotImplemented, text: "Paging by index is not supported"))
            }
            let after = set.child("after", namespace: NS.rsm)
            let before = set.child("before", namespace: NS.rsm)
            if after != nil && before != nil { return bad("RSM after and before together are not supported") }
            if let after {
                guard !after.text.isEmpty else { return bad("RSM after needs an id") }
                request.page = .after(after.text)
            } else if let before {
                request.page = before.text.isEmpty ? .last : .before(before.text)
            }
        }
        request.max = min(request.max, ctx.settings.archive.maxPageSize)
        out.archiveQuery = PendingArchiveQuery(query: request, iq: iq, queryID: query.attribute("queryid"),
                                               roomAddress: address, showsRealJIDs: showsRealJIDs)
    }

    /// The fields a query may use (XEP-0313 §query-form).
    static let archiveQueryForm = DataForm(type: .form, formType: MoreNS.mam, fields: [
        DataForm.Field("with", type: .jidSingle),
        DataForm.Field("start", type: .textSingle),
        DataForm.Field("end", type: .textSingle),
    ])

    /// The answer to an archive query: one message per result (XEP-0313 §results: `<result>` with
    /// the archive id, `<forwarded>` with the time the room received it and the message as occupants
    /// got it, from the sender's occupant JID), then the iq result whose `<fin/>` says whether the
    /// last page was reached, with the page's first and last ids and the count.
    static func archiveResults(_ page: ArchivePage, for pending: PendingArchiveQuery, parse: (String) -> Element?) -> [Element] {
        let requester = pending.iq.attribute("from")
        var out: [Element] = []
        out.reserveCapacity(page.messages.count + 1)
        for m in page.messages {
            guard let result = m.archiveResult(roomAddress: pending.roomAddress, queryID: pending.queryID,
                                             showsRealJIDs: pending.showsRealJIDs, parse: parse) else { continue }
            out.append(Element("message", namespace: NS.component, attrs: ["from": pending.roomAddress, "to": requester],
                               children: [result]))
        }
        var set = Element("set", namespace: NS.rsm)
        if let first = page.messages.first, let last = page.messages.last {
            set.append(.text("first", namespace: NS.rsm, first.id))
            set.append(.text("last", namespace: NS.rsm, last.id))
        }
        if let count = page.count { set.append(.text("count", namespace: NS.rsm, String(count))) }
        let fin = Element("fin", namespace: MoreNS.mam, attrs: ["complete": page.complete ? "true" : nil], children: [set])
        out.append(pending.iq.iqResult(fin))
        return out
    }
}

extension ArchivedMessage {
    /// This message as a XEP-0313 `<result>`, as the room answers a query (also the entries of
    /// `muc-component archive export`); nil when the stored stanza does not parse.
    public func archiveResult(roomAddress: String, queryID: String?, showsRealJIDs: Bool,
                              parse: (String) -> Element?) -> Element? {
        let m = self
        guard var inner = parse(m.stanza) else { return nil }
        inner.setAttribute("from", m.nick.isEmpty ? roomAddress : roomAddress + "/" + m.nick)
        inner.setAttribute("to", nil)
        if !m.occupantID.isEmpty && inner.child("occupant-id", namespace: NS.occupantID) == nil {
            inner.append(Element("occupant-id", namespace: NS.occupantID, attrs: ["id": m.occupantID]))
        }
        if showsRealJIDs && !m.nick.isEmpty {
            inner.removeChildren(namespace: NS.mucUser)
            inner.append(Element("x", namespace: NS.mucUser, attrs: [:],
                                 children: [Element("item", namespace: NS.mucUser, attrs: ["jid": m.sender.description])]))
        }
        let delay = Element("delay", namespace: NS.delay, attrs: ["from": roomAddress, "stamp": Timestamp.format(m.time)])
        let forwarded = Element("forwarded", namespace: MoreNS.forward, attrs: [:], children: [delay, inner])
        return Element("result", namespace: MoreNS.mam, attrs: ["queryid": queryID, "id": m.id], children: [forwarded])
    }
}
