import Testing
import XMPPCore
@testable import MUC

/// A stanza written to one recipient.
struct Delivery: CustomStringConvertible {
    let to: String
    let stanza: Element
    var description: String { Serializer.string(stanza) }
}

/// What one stanza produced, in the order the runtime carries it out: the storage actions the
/// service asked for are recorded (`persisted`, `deleted`, `loaded`) and, when the transcript's
/// store answers at once, what the service did with each answer follows.
struct Output {
    let actions: [MUCAction]
    let deliveries: [Delivery]
    let persisted: [RoomRecord]
    let changes: [RoomChanges]
    let deleted: [BareJID]
    let loaded: [BareJID]
    /// Archive writes asked for, in order.
    let archiveWrites: [ArchiveWrite]

    init(_ actions: [MUCAction]) {
        self.actions = actions
        var d: [Delivery] = []
        var p: [RoomRecord] = []
        var c: [RoomChanges] = []
        var del: [BareJID] = []
        var l: [BareJID] = []
        var w: [ArchiveWrite] = []
        for a in actions {
            switch a {
            case .send(let e):
                d.append(Delivery(to: e.attribute("to") ?? "<none>", stanza: e))
            case .broadcast(let e, let to):
                #expect(e.attribute("to") == nil, "a broadcast element carries no 'to'")
                for j in to {
                    var c = e
                    c.setAttribute("to", j.description)
                    d.append(Delivery(to: j.description, stanza: c))
                }
            case .roster(let roster):
                for e in roster {
                    #expect(e.attribute("to") == roster.session.description, "a roster presence goes to its session")
                    d.append(Delivery(to: e.attribute("to") ?? "<none>", stanza: e))
                }
            case .storeRoom(let r, let changes):
                p.append(r)
                c.append(changes)
            case .deleteRoom(let j):
                del.append(j)
            case .loadRoom(let j):
                l.append(j)
            case .archive(let write):
                w.append(write)
            case .listRooms, .queryArchive, .deleteArchive:
                break
            }
        }
        archiveWrites = w
        deliveries = d
        persisted = p
        changes = c
        deleted = del
        loaded = l
    }

    /// Stanzas written to `jid`, in order.
    func to(_ jid: String) -> [Element] { deliveries.filter { $0.to == jid }.map(\.stanza) }

    /// Every recipient, in order of first delivery.
    var recipients: [String] {
        var seen: [String] = []
        for d in deliveries where !seen.contains(d.to) { seen.append(d.to) }
        return seen
    }

    /// Index of each delivery, to check ordering across recipients.
    func index(of jid: String, matching xml: String) -> Int? {
        let e = TestXML.parse(xml)
        return deliveries.firstIndex { $0.to == jid && Match.matches(expected: e, received: $0.stanza) }
    }
}

/// Drives a service with stanzas written as XML (default namespace `jabber:component:accept`,
/// `from` set to the sender's real JID) at a controllable time.
///
/// By default the service uses a store, played by the transcript: `stored` holds its rooms, and
/// every storage action is answered at once (a load with the stored record, a write by storing
/// it, unless `failWrites` says to fail it). With `answering` off, storage actions wait in
/// `pending` until the test answers them with `answer(fail:)`: a stalled store.
struct Transcript {
    var service: MUCService
    var now: Double = 1_700_000_000
    /// The rooms the transcript's store holds.
    var stored: [BareJID: RoomRecord] = [:]
    /// Whether storage actions are answered as soon as the service asks.
    var answering = true
    /// Writes (store or delete) still to fail when answered.
    var failWrites = 0
    /// Loads still to fail when answered.
    var failLoads = 0
    /// Storage actions asked for and not answered yet, oldest first.
    var pending: [MUCAction] = []
    /// The rooms' archives the transcript's store holds, in archive order.
    var archive: [BareJID: [ArchivedMessage]] = [:]
    /// Archive writes still to fail when answered.
    var failArchiveWrites = 0

    /// - Parameter store: whether the service uses a store (played by the transcript).
    /// - Parameter archive: whether it keeps an archive (played by the transcript too).
    init(_ settings: MUCSettings = MUCSettings(domain: "conference.localhost"), store: Bool = true, archive: Bool = false) {
        service = MUCService(settings: settings, usesStore: store, usesArchive: archive)
    }

    @discardableResult
    mutating func send(_ xml: String, from: String) -> Output {
        var e = TestXML.parse(xml)
        e.setAttribute("from", from)
        return Output(carryOut(service.handle(element: e, now: now)))
    }

    /// Answers the oldest pending storage action (a stalled store that goes on): it succeeds, or
    /// fails when `fail`. Returns what the service then did.
    @discardableResult
    mutating func answer(fail: Bool = false) -> Output {
        guard !pending.isEmpty else {
            Issue.record("no storage action is pending")
            return Output([])
        }
        let action = pending.removeFirst()
        return Output(carryOut(outcome(of: action, fail: fail)))
    }

    /// The actions with, after each storage action, what the service did with its answer (when
    /// answering; otherwise it is left pending).
    private mutating func carryOut(_ actions: [MUCAction]) -> [MUCAction] {
        var all: [MUCAction] = []
        for a in actions {
            all.append(a)
            switch a {
            case .send, .broadcast, .roster:
                continue
            case .loadRoom, .storeRoom, .deleteRoom, .listRooms, .archive, .queryArchive, .deleteArchive:
                if answering {
                    let failing: Bool
                    if case .loadRoom = a { failing = failLoads > 0; if failing { failLoads -= 1 } }
                    else if case .listRooms = a { failing = false }
                    else if case .queryArchive = a { failing = false }
                    else if case .deleteArchive = a { failing = false }
                    else if case .archive = a { failing = failArchiveWrites > 0; if failing { failArchiveWrites -= 1 } }
                    else { failing = failWrites > 0; if failing { failWrites -= 1 } }
                    all.append(contentsOf: carryOut(outcome(of: a, fail: failing)))
                } else {
                    pending.append(a)
                }
            }
        }
        return all
    }

    /// The service's reaction to the store's answer to `action`.
    private mutating func outcome(of action: MUCAction, fail: Bool) -> [MUCAction] {
        switch action {
        case .loadRoom(let room):
            return fail ? service.storeFailed(room) : service.roomLoaded(room, stored[room])
        case .storeRoom(let record, _):
            if fail { return service.storeFailed(record.jid) }
            stored[record.jid] = record
            return service.stored(record.jid)
        case .deleteRoom(let room):
            if fail { return service.storeFailed(room) }
            stored[room] = nil
            archive[room] = nil
            return service.stored(room)
        case .archive(let write):
            let room = write.message.room
            if fail { return service.archived(room, id: write.message.id, .failed) }
            if let t = write.tombstone {
                if let i = archive[room]?.firstIndex(where: { $0.id == t.id }) {
                    archive[room]![i].stanza = t.stanza
                } else if t.mustExist {
                    return service.archived(room, id: write.message.id, .missing)
                }
            }
            archive[room, default: []].append(write.message)
            return service.archived(room, id: write.message.id, .stored)
        case .queryArchive(let ticket, let query):
            if fail { return service.archiveQueryFailed(ticket) }
            return service.archiveAnswered(ticket, query.select(from: archive[query.room] ?? [])) { TestXML.parse($0, defaultNamespace: NS.client) }
        case .deleteArchive(let room):
            archive[room] = nil
            return []
        case .listRooms(let listing):
            if fail { return service.listingFailed(listing.id) }
            let page = stored.values
                .filter { record in
                    (!listing.publicOnly || record.config.isPublic) && (listing.after.map { $0 < record.jid } ?? true)
                }
                .sorted { $0.jid < $1.jid }
                .prefix(listing.limit)
                .map { RoomSummary(jid: $0.jid, name: $0.config.name, isPublic: $0.config.isPublic) }
            return service.roomsListed(listing.id, Array(page))
        case .send, .broadcast, .roster:
            return []
        }
    }
}

// MARK: Expectations

/// Checks that exactly `expected` (matched by the scansion rules) were written to `jid`, in order.
func expectStanzas(_ out: Output, to jid: String, _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let got = out.to(jid)
    let ok = got.count == expected.count
        && zip(expected, got).allSatisfy { Match.matches(expected: TestXML.parse($0), received: $1) }
    if !ok {
        Issue.record("""
            stanzas to \(jid) do not match
            expected (\(expected.count)):
            \(expected.joined(separator: "\n"))
            received (\(got.count)):
            \(got.map { Serializer.string($0) }.joined(separator: "\n"))
            """, sourceLocation: sourceLocation)
    }
}

/// Checks every recipient and what each got: no one else received anything.
func expectOnly(_ out: Output, _ expected: KeyValuePairs<String, [String]>, sourceLocation: SourceLocation = #_sourceLocation) {
    let keys = Set(expected.map(\.key))
    let extra = out.recipients.filter { !keys.contains($0) }
    if !extra.isEmpty {
        Issue.record("unexpected recipients \(extra): \(out.deliveries.filter { extra.contains($0.to) })", sourceLocation: sourceLocation)
    }
    for (jid, stanzas) in expected { expectStanzas(out, to: jid, stanzas, sourceLocation: sourceLocation) }
}

/// Checks that `out` is exactly one error stanza to `jid` with this type and condition.
func expectError(_ out: Output, to jid: String, kind: String = "presence", type: String, condition: String,
                 from: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    let fromAttr = from.map { " from='\($0)'" } ?? ""
    expectOnly(out, [jid: ["""
        <\(kind) type='error'\(fromAttr)><error type='\(type)'><\(condition) xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></\(kind)>
        """]], sourceLocation: sourceLocation)
}

/// The error condition and type of the only stanza in `out`, for parameterized checks.
func errorOf(_ out: Output) -> (type: String, condition: String)? {
    guard out.deliveries.count == 1, let e = out.deliveries[0].stanza.child("error", namespace: NS.component),
          let s = StanzaError(element: e) else { return nil }
    return (s.type.rawValue, s.condition.rawValue)
}

// MARK: Fixtures

/// The people of the reference scripts.
enum People {
    static let romeo = "user@localhost/romeo"
    static let juliet = "user2@localhost/juliet"
    static let rosaline = "user3@localhost/rosaline"
    static let romeoBare = "user@localhost"
    static let julietBare = "user2@localhost"
    static let rosalineBare = "user3@localhost"
    static let room = "room@conference.localhost"
}

extension Transcript {
    /// `<presence to='room/nick'><x xmlns='…muc'/></presence>`, with extra children inside `x`.
    @discardableResult
    mutating func join(_ from: String, nick: String, room: String = People.room, x: String = "", extra: String = "") -> Output {
        send("<presence to='\(room)/\(nick)'><x xmlns='http://jabber.org/protocol/muc'>\(x)</x>\(extra)</presence>", from: from)
    }

    /// Creates and unlocks (instant room) `room` with `from` as owner.
    mutating func createInstantRoom(_ from: String, nick: String, room: String = People.room, config: String = "") {
        join(from, nick: nick, room: room)
        let out = submitConfig(from, room: room, config)
        #expect(out.to(from).contains { $0.name == "iq" && $0.attribute("type") == "result" })
    }

    /// Submits a `muc#roomconfig` form with the given fields (empty: instant room).
    @discardableResult
    mutating func submitConfig(_ from: String, room: String = People.room, _ fields: String, id: String = "cfg") -> Output {
        let form = fields.isEmpty ? "<x xmlns='jabber:x:data' type='submit'/>" : """
            <x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>\(fields)</x>
            """
        return send("<iq id='\(id)' to='\(room)' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'>\(form)</query></iq>", from: from)
    }

    /// A `muc#admin` set with the given items.
    @discardableResult
    mutating func admin(_ from: String, room: String = People.room, _ items: String, id: String = "adm") -> Output {
        send("<iq id='\(id)' to='\(room)' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'>\(items)</query></iq>", from: from)
    }
}

/// `<field var='muc#roomconfig_NAME'><value>…</value>…</field>`.
func field(_ name: String, _ values: String...) -> String {
    "<field var='\(name.hasPrefix("muc#") ? name : "muc#roomconfig_" + name)'>" + values.map { "<value>\($0)</value>" }.joined() + "</field>"
}
