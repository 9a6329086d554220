import Foundation
import Logging
import MUC
import MUCConfig
import NIOCore
import RoomStore
import XMLStream
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

/// The production processor: hands each stanza from the server to the MUC service machine, and
/// each storage outcome back to it, and carries out the actions the machine returns, in order.
///
/// The machine decides everything a client sees, storage failures included; this type only
/// delivers stanzas (through the `Outbox`) and starts storage actions (through the
/// `StorageCoordinator`). While a room waits for the store its stanzas are held by the machine;
/// when too many are held in all, the link stops reading from the server until the store catches up.
final class MUCRouter {
    private(set) var service: MUCService
    let logger: Logger
    weak var host: RouterHost?
    /// Carries out storage actions; nil without a store (memory backend: rooms live in the machine).
    let storage: StorageCoordinator?
    /// Carries out archive writes (group commit); nil without an archive.
    let archiveWriter: ArchiveWriter?

    /// Archive writes waiting for their commit above which the link stops reading from the server.
    static let archiveBacklogLimit = 20_000

    /// Held stanzas above which the link stops reading from the server (storage is slow or down:
    /// the server keeps the rest instead of this process).
    static let heldLimit = 5_000

    /// - Parameter secret: the component secret; the key behind occupant ids is derived from it.
    /// - Parameter store: where persistent rooms live; with one, `host` must be given (its loop
    ///   receives the store's answers).
    /// - Parameter archive: where rooms' messages are archived (XEP-0313): the room store itself,
    ///   or with the memory backend a memory store of its own; nil for none. It needs `host` too.
    init(configuration: Configuration, secret: String, store: (any RoomStore)?, archive: (any ArchiveStore)? = nil,
         host: RouterHost?, logger: Logger) {
        let settings = MUCSettings(configuration, componentSecret: secret)
        let archive = settings.archive.enabled ? archive : nil
        self.service = MUCService(settings: settings, usesStore: store != nil, usesArchive: archive != nil)
        self.logger = logger
        self.host = host
        if (store != nil || archive != nil) && host == nil { preconditionFailure("a router with a store needs a host") }
        if let store, let host {
            storage = StorageCoordinator(store: store, loop: host.loop, logger: logger)
        } else {
            storage = nil
        }
        if let archive, let host {
            archiveWriter = ArchiveWriter(store: archive, loop: host.loop, logger: logger)
        } else {
            archiveWriter = nil
        }
        archiveWriter?.report = { [unowned self] write, outcome in
            let actions = service.archived(write.message.room, id: write.message.id, outcome)
            if !actions.isEmpty { self.host?.withOutbox { out in self.perform(actions, out: out) } }
        }
        archiveWriter?.drained = { [unowned self] in
            if acceptsInput { self.host?.inputMayResume() }
        }
    }

    /// Whether the router takes more stanzas now; while false the link stops reading from the
    /// server, and the router calls its host's `inputMayResume()` once the store has caught up.
    var acceptsInput: Bool {
        service.heldStanzaCount < Self.heldLimit && (archiveWriter?.pending ?? 0) < Self.archiveBacklogLimit
    }

    /// Handles one stanza received from the server (an element in `jabber:component:accept`);
    /// `now` is the current time in seconds since 1970.
    func process(_ element: Element, now: Double, out: Outbox) {
        perform(service.handle(element: element, now: now), out: out)
    }

    /// After a reconnect the server may have lost client sessions: ping every occupant so the ones
    /// that are gone bounce and are removed (status 333) instead of staying as ghosts.
    func linkReestablished(out: Outbox) {
        perform(service.pingOccupants(now: Date().timeIntervalSince1970), out: out)
    }

    /// The service is about to close the stream: last words (XEP-0045 §14.2: status 332 to occupants).
    func willShutdown(out: Outbox) {
        perform(service.removeAllOccupants(), out: out)
    }

    /// Carries out the machine's actions, in order: stanzas are written, storage actions started.
    func perform(_ actions: [MUCAction], out: Outbox) {
        for action in actions {
            switch action {
            case .send(let element):
                out.send(element)
            case .broadcast(let element, let recipients):
                out.broadcast(element, to: recipients)
            case .roster(let roster):
                for presence in roster { out.send(presence) }
            case .deleteRoom where archiveWriter != nil:
                // The archive goes with the room: archive writes asked for earlier land first.
                archiveWriter?.afterPendingWrites { [weak self] in self?.startStorage(action) }
            case .loadRoom, .storeRoom, .deleteRoom, .listRooms:
                startStorage(action)
            case .archive(let write):
                guard let archiveWriter else { preconditionFailure("the service asked for an archive it does not have") }
                archiveWriter.write(write)
            case .deleteArchive(let room):
                archiveWriter?.deleteArchive(of: room)
            case .queryArchive(let ticket, let query):
                guard let archiveWriter else { preconditionFailure("the service asked for an archive it does not have") }
                queryArchive(ticket, query, store: archiveWriter.store)
            }
        }
    }

    private func startStorage(_ action: MUCAction) {
        guard let storage else { preconditionFailure("the service asked for storage it does not use: \(action)") }
        storage.start(action) { [weak self] outcome in self?.storageAnswered(outcome) }
    }

    /// Reads a page of a room's archive in a task; the machine answers the requester on the loop.
    private func queryArchive(_ ticket: UInt64, _ query: ArchiveQuery, store: any ArchiveStore) {
        guard let host else { return }
        let logger = self.logger
        let loop = host.loop
        Task {
            let result: Result<ArchivePage?, Error>
            do { result = .success(try await store.query(query)) } catch { result = .failure(error) }
            loop.execute { [weak self] in
                guard let self else { return }
                let actions: [MUCAction]
                switch result {
                case .success(let page):
                    actions = self.service.archiveAnswered(ticket, page) { stanza in
                        // Forwarded stanzas are in jabber:client (XEP-0297): the server passes
                        // them through untouched, so they are read back in that namespace.
                        let parsed = try? XMLStreamParser.parseFragment(stanza, defaultNamespace: NS.client).first
                        if parsed == nil { logger.error("an archived message of \(query.room) could not be read back; it was left out") }
                        return parsed
                    }
                case .failure(let error):
                    logger.error("reading the archive of \(query.room) failed: \(error)")
                    actions = self.service.archiveQueryFailed(ticket)
                }
                self.host?.withOutbox { out in self.perform(actions, out: out) }
            }
        }
    }

    /// Hands the store's answer to the machine and carries out what it decides.
    private func storageAnswered(_ outcome: StorageOutcome) {
        let actions: [MUCAction]
        switch outcome {
        case .loaded(let room, let record): actions = service.roomLoaded(room, record)
        case .stored(let room): actions = service.stored(room)
        case .failed(let room): actions = service.storeFailed(room)
        case .listed(let id, let rooms): actions = service.roomsListed(id, rooms)
        case .listingFailed(let id): actions = service.listingFailed(id)
        }
        host?.withOutbox { out in perform(actions, out: out) }
        if acceptsInput { host?.inputMayResume() }
    }
}
