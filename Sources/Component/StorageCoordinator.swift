import Logging
import MUC
import NIOCore
import RoomStore
import XMPPCore

/// What the store answered to one of the service's storage actions.
enum StorageOutcome {
    case loaded(BareJID, RoomRecord?)
    case stored(BareJID)
    case failed(BareJID)
    case listed(UInt64, [RoomSummary])
    case listingFailed(UInt64)
}

/// Carries out the service's storage actions on the store, each in a task of its own (so a slow
/// write for one room does not hold up another room's), and hands every outcome back on the event
/// loop. Failures are logged here, with the store's own message for the operator; what the
/// requester is told is the service's decision.
final class StorageCoordinator {
    let store: any RoomStore
    let loop: EventLoop
    let logger: Logger
    /// Storage actions started and not yet answered.
    private(set) var inFlight = 0

    init(store: any RoomStore, loop: EventLoop, logger: Logger) {
        self.store = store
        self.loop = loop
        self.logger = logger
    }

    /// Starts the storage action; `done` runs on the loop with its outcome.
    func start(_ action: MUCAction, done: @escaping (StorageOutcome) -> Void) {
        let store = self.store
        let logger = self.logger
        let work: @Sendable () async -> StorageOutcome
        switch action {
        case .loadRoom(let room):
            work = {
                do { return .loaded(room, try await store.load(room)) } catch {
                    logger.error("loading room \(room) failed: \(error)")
                    return .failed(room)
                }
            }
        case .storeRoom(let record, let changes):
            work = {
                do { try await store.save(record, changes: changes); return .stored(record.jid) } catch {
                    logger.error("storing room \(record.jid) failed; the change was refused and undone: \(error)")
                    return .failed(record.jid)
                }
            }
        case .deleteRoom(let room):
            work = {
                do { try await store.delete(room); return .stored(room) } catch {
                    logger.error("deleting room \(room) failed; the change was refused and undone: \(error)")
                    return .failed(room)
                }
            }
        case .listRooms(let listing):
            work = {
                do {
                    return .listed(listing.id, try await store.list(after: listing.after, limit: listing.limit,
                                                                    publicOnly: listing.publicOnly))
                } catch {
                    logger.error("listing rooms failed: \(error)")
                    return .listingFailed(listing.id)
                }
            }
        case .send, .broadcast, .roster, .archive, .queryArchive, .deleteArchive:
            preconditionFailure("not a room storage action: \(action)")
        }
        inFlight += 1
        let loop = self.loop
        Task {
            let outcome = await work()
            loop.execute {
                self.inFlight -= 1
                done(outcome)
            }
        }
    }
}
