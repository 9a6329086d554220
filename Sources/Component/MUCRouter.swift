import Crypto
import Logging
import MUC
import MUCConfig
import NIOCore
import Foundation
import RoomStore
import XMPPCore

/// What the router needs from the runtime that hosts it.
protocol RouterHost: AnyObject {
    /// The loop every router call runs on.
    var loop: EventLoop { get }
    /// Runs `body` with an outbox that reaches the server now (or the bounded queue while disconnected).
    func withOutbox(_ body: (Outbox) -> Void)
    /// The router takes input again after refusing it (`acceptsInput` was false).
    func inputMayResume()
}

/// The production processor: hands each stanza from the server to the MUC service machine and
/// carries out the actions it returns, in order.
///
/// Storage: rooms load lazily, on the first stanza to a room JID that is not in memory; a
/// `.persist` or `.deleteRoom` action is carried out before anything that follows it (an owner's
/// `iq result` only after the change is stored). While the store works, incoming stanzas wait in
/// arrival order, so the machine always sees a consistent room.
final class MUCRouter: StanzaProcessor {
    private(set) var service: MUCService
    let domain: String
    let logger: Logger
    weak var host: RouterHost?
    /// Where persistent rooms are kept; with one, empty persistent rooms may leave memory under
    /// `limits.max_rooms` (they are loaded again on use).
    var store: (any RoomStore)? {
        didSet { service.unloadsIdleRooms = store != nil }
    }

    /// Input held while the store works, in arrival order.
    private var held: [(Element, Double)] = []
    private var heldHead = 0
    private var busy = false
    /// Held stanzas above which the link stops reading from the server (storage is slow or down:
    /// the server keeps the rest instead of this process).
    static let heldLimit = 5_000
    /// Room JIDs known not to be stored (bounded; cleared when full).
    private var absent: Set<BareJID> = []
    private static let absentLimit = 50_000

    /// - Parameter secret: the component secret; the key behind occupant ids is derived from it.
    init(configuration: Configuration, secret: String, logger: Logger) {
        var settings = MUCSettings(configuration)
        let idSecret = Self.idSecret(componentSecret: secret)
        settings.idSecret = idSecret
        settings.instanceID = Self.randomInstanceID()
        // Every join and groupchat message computes one id: key the HMAC once, copy its state per use.
        let keyed = HMAC<SHA256>(key: SymmetricKey(data: idSecret))
        settings.keyedHash = { key, message in
            guard key == idSecret else {
                return Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
            }
            var h = keyed
            h.update(data: message)
            return Array(h.finalize())
        }
        self.service = MUCService(settings: settings)
        self.domain = configuration.component.domain
        self.logger = logger
    }

    var acceptsInput: Bool { held.count - heldHead < Self.heldLimit }

    func process(_ element: Element, now: Double, out: Outbox) {
        if busy {
            held.append((element, now))
            return
        }
        handle(element, now: now, out: out)
    }

    private func handle(_ element: Element, now: Double, out: Outbox) {
        let stanza: Stanza
        do {
            stanza = try Stanza(element)
        } catch {
            refuseUnparsable(element, error, out: out)
            return
        }
        if let store, Self.isServiceDiscoItems(stanza) {
            listRoomsThenReply(stanza, store: store)
            return
        }
        if let store, let to = stanza.to, to.localpart != nil, to.domain == service.domain,
           !service.hasRoom(to.bare), !absent.contains(to.bare) {
            guard service.makeSpaceForRoom() else {
                if let reply = Self.errorReply(stanza.element, .resourceConstraint,
                                               "The service holds as many rooms as it may; try again later") {
                    out.send(reply)
                }
                return
            }
            loadThenHandle(stanza, now: now, room: to.bare, store: store)
            return
        }
        dispatch(stanza, now: now, out: out)
    }

    /// Hands a stanza to the machine and carries out the result. Before a stanza that may change
    /// durable state, the room's state is kept so a failed store can undo the change.
    private func dispatch(_ stanza: Stanza, now: Double, out: Outbox) {
        var undo: Undo? = nil
        if store != nil, let room = stanza.to, room.localpart != nil, Self.mayChangeDurableState(stanza) {
            undo = Undo(snapshot: service.snapshot(of: room.bare), request: stanza.element)
        }
        perform(service.handle(stanza, now: now)[...], undo: undo, out: out)
    }

    /// IQ sets (configuration, affiliations, registration, destruction), subject changes and
    /// invitations (which may grant membership) are the stanzas that can be stored.
    static func mayChangeDurableState(_ stanza: Stanza) -> Bool {
        switch stanza.kind {
        case .iq: return stanza.type == "set"
        case .message: return stanza.element.child("subject", namespace: stanza.element.namespace) != nil
            || stanza.element.child("x", namespace: NS.mucUser) != nil
            || stanza.element.child("x", namespace: NS.dataForms) != nil
        case .presence: return false
        }
    }

    /// What is needed to undo a change whose storing failed.
    struct Undo {
        let snapshot: RoomSnapshot
        let request: Element
    }

    /// Carries out actions in order; a storage action suspends the rest until the store answers.
    func perform(_ actions: ArraySlice<MUCAction>, undo: Undo? = nil, out: Outbox) {
        var index = actions.startIndex
        while index < actions.endIndex {
            let action = actions[index]
            index += 1
            switch action {
            case .send(let element):
                out.send(element)
            case .broadcast(let element, let recipients):
                out.broadcast(element, to: recipients)
            case .roster(let roster):
                for presence in roster { out.send(presence) }
            case .persist(let record, let then):
                absent.remove(record.jid)
                let rest = Array(then) + actions[index...]
                guard let store else { perform(rest[...], out: out); return }
                storeThen(room: record.jid, rest: rest, undo: undo, what: "storing") { try await store.save(record) }
                return
            case .deleteRoom(let room, let then):
                let rest = Array(then) + actions[index...]
                absent.remove(room)
                guard let store else { perform(rest[...], out: out); return }
                storeThen(room: room, rest: rest, undo: undo, what: "deleting") { try await store.delete(room) }
                return
            }
        }
    }

    /// After a reconnect the server may have lost client sessions: ping every occupant so the ones
    /// that are gone bounce and are removed (status 333) instead of staying as ghosts.
    func linkReestablished(out: Outbox) {
        guard !busy else { return }
        perform(service.pingOccupants(now: Date().timeIntervalSince1970)[...], out: out)
    }

    /// Occupant ids (XEP-0421) must be stable across restarts and not reversible: key them with a
    /// value derived from the component secret, which only this service and the XMPP server know.
    static func idSecret(componentSecret: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array("muc-component occupant-id v1".utf8),
                                              using: SymmetricKey(data: Array(componentSecret.utf8))))
    }

    /// Distinguishes this run's stanza ids (XEP-0359) from those of earlier runs.
    static func randomInstanceID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 36)
    }

    func willShutdown(out: Outbox) {
        perform(service.removeAllOccupants()[...], out: out)
    }

    // MARK: Store operations

    /// Runs `work` off the loop while input is held; `work` hands `finish` what to do back on the
    /// loop (with an outbox); held input resumes afterwards.
    func runWhileHeld(_ work: @escaping @Sendable (_ finish: @escaping @Sendable (@escaping (MUCRouter, Outbox) -> Void) -> Void) async -> Void) {
        busy = true
        let loop = host?.loop
        Task {
            await work { body in
                loop?.execute {
                    self.busy = false
                    self.host?.withOutbox { out in body(self, out) }
                    self.resume()
                }
            }
        }
    }

    private func storeThen(room: BareJID, rest: [MUCAction], undo: Undo?, what: String,
                           _ operation: @escaping @Sendable () async throws -> Void) {
        runWhileHeld { finish in
            let failure: (any Error)?
            do { try await operation(); failure = nil } catch { failure = error }
            finish { router, out in
                guard let failure else { return router.perform(rest[...], out: out) }
                router.logger.error("\(what) room \(room) failed; the change was refused and undone: \(failure)")
                if let undo {
                    router.service.restore(undo.snapshot)
                    if let reply = Self.storageErrorReply(undo.request) { out.send(reply) }
                }
            }
        }
    }

    private func loadThenHandle(_ stanza: Stanza, now: Double, room: BareJID, store: any RoomStore) {
        runWhileHeld { finish in
            let result: Result<RoomRecord?, any Error>
            do { result = .success(try await store.load(room)) } catch { result = .failure(error) }
            finish { router, out in
                switch result {
                case .success(let record?):
                    router.service.load(record)
                    router.dispatch(stanza, now: now, out: out)
                case .success(nil):
                    if router.absent.count >= Self.absentLimit { router.absent.removeAll(keepingCapacity: true) }
                    router.absent.insert(room)
                    router.dispatch(stanza, now: now, out: out)
                case .failure(let error):
                    router.logger.error("loading room \(room) failed: \(error)")
                    if let reply = Self.storageErrorReply(stanza.element) { out.send(reply) }
                }
            }
        }
    }

    /// Handles what arrived while the store worked, until the next storage action suspends again.
    func resume() {
        while !busy && heldHead < held.count {
            let (element, now) = held[heldHead]
            heldHead += 1
            host?.withOutbox { out in handle(element, now: now, out: out) }
        }
        if heldHead == held.count {
            held.removeAll(keepingCapacity: held.capacity <= 4096)
            heldHead = 0
        }
        if acceptsInput { host?.inputMayResume() }
    }

    /// `internal-server-error` (wait) for a request that could not be served because storage failed.
    static func storageErrorReply(_ element: Element) -> Element? {
        errorReply(element, .internalServerError, "Room storage is unavailable; try again later")
    }

    /// A `wait` error for a request the service cannot serve now; nil for stanzas that get no reply
    /// (errors, results, unavailable presence).
    static func errorReply(_ element: Element, _ condition: StanzaError.Condition, _ text: String) -> Element? {
        guard element.attribute("type") != "error", element.attribute("type") != "result",
              element.attribute("from") != nil else { return nil }
        if element.name == "presence" && element.attribute("type") == "unavailable" { return nil }
        return element.errorReply(StanzaError(condition, type: .wait, text: text))
    }

    /// A stanza whose `to` or `from` is not a JID: answer with `jid-malformed` when a reply can be addressed.
    private func refuseUnparsable(_ element: Element, _ error: StanzaParseError, out: Outbox) {
        logger.debug("refusing a stanza with a malformed address: \(error)")
        guard element.attribute("type") != "error", element.attribute("type") != "result",
              let from = element.attribute("from"), (try? JID(from)) != nil else { return }
        var reply = element.errorReply(StanzaError(.jidMalformed))
        // The reply must come from inside our domain (servers close the stream otherwise).
        if case .badAddress(let attribute, _) = error, attribute == "to" { reply.setAttribute("from", domain) }
        out.send(reply)
    }
}

extension MUCSettings {
    /// The service settings the configuration file describes.
    init(_ c: Configuration) {
        let r = c.rooms
        var room = RoomConfig()
        room.persistent = r.persistent
        room.isPublic = r.public
        room.membersOnly = r.membersOnly
        room.moderated = r.moderated
        room.whois = Whois(rawValue: r.whois) ?? .moderators
        room.allowInvites = r.allowInvites
        room.allowPM = AllowPM(rawValue: r.allowPM) ?? .anyone
        room.changeSubject = r.changeSubject
        room.maxUsers = r.maxUsers
        room.historyLength = r.historyLength
        room.presenceBroadcast = Set(r.presenceBroadcast.compactMap(Role.init(rawValue:)))
        room.getMemberList = Set(r.getMemberList.compactMap(Role.init(rawValue:)))
        room.language = r.language
        let policy: RoomCreationPolicy
        switch c.service.roomCreation {
        case "local": policy = .localUsers
        case "admins": policy = .adminsOnly
        default: policy = .anyone
        }
        self.init(domain: c.component.domain,
                  name: c.service.name,
                  defaultRoomConfig: room,
                  maxOccupantsLimit: c.limits.maxOccupantsPerRoom,
                  maxHistoryLimit: c.limits.maxHistoryMessages,
                  admins: Set(c.service.admins.compactMap { try? BareJID($0) }),
                  allowUnaffiliatedRegistration: c.service.allowUnaffiliatedRegistration,
                  roomCreation: policy,
                  registrationApproval: c.service.registrationApproval)
        self.maxRooms = c.limits.maxRooms
    }
}
