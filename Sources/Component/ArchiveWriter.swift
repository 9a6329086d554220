import Logging
import MUC
import NIOCore
import RoomStore
import XMPPCore

/// Carries out the service's archive writes with group commit: writes queue up while one commit
/// runs, and the next commit takes all of them (up to `batchLimit`) in one transaction, so a busy
/// service pays one commit for many messages. Commits run one at a time, in the order the writes
/// were asked for, which keeps each room's order. Outcomes come back on the event loop, per write.
final class ArchiveWriter {
    private enum Operation {
        case write(ArchiveWrite)
        /// Runs on the loop once every earlier operation is done (a room deletion waits for them).
        case barrier(() -> Void)
        case deleteArchive(BareJID)
    }

    let store: any ArchiveStore
    let loop: EventLoop
    let logger: Logger
    /// Called on the loop with each write's outcome.
    var report: (ArchiveWrite, ArchiveOutcome) -> Void = { _, _ in }
    /// Called on the loop after each commit (the router may take input again).
    var drained: () -> Void = {}
    private var queue: [Operation] = []
    private var running = false
    /// Whether to remember which rooms archived messages (for the per-room bound of the retention job).
    var tracksTouchedRooms = false
    private var touchedRooms: Set<BareJID> = []

    /// Most messages in one transaction.
    static let batchLimit = 2_000

    init(store: any ArchiveStore, loop: EventLoop, logger: Logger) {
        self.store = store
        self.loop = loop
        self.logger = logger
    }

    /// The rooms that archived messages since the last call (when `tracksTouchedRooms`).
    func takeTouchedRooms() -> Set<BareJID> {
        defer { touchedRooms = [] }
        return touchedRooms
    }

    /// Writes asked for and not yet answered.
    var pending: Int { queue.count }

    func write(_ write: ArchiveWrite) {
        queue.append(.write(write))
        startIfIdle()
    }

    /// Runs `body` (on the loop) once every write asked for so far has been carried out.
    func afterPendingWrites(_ body: @escaping () -> Void) {
        queue.append(.barrier(body))
        startIfIdle()
    }

    /// Deletes a room's archive after the writes asked for so far.
    func deleteArchive(of room: BareJID) {
        queue.append(.deleteArchive(room))
        startIfIdle()
    }

    private func startIfIdle() {
        while !running, let first = queue.first {
            switch first {
            case .barrier(let body):
                queue.removeFirst()
                body()
            case .deleteArchive(let room):
                queue.removeFirst()
                run { store, logger in
                    do { try await store.deleteArchive(of: room) } catch {
                        logger.error("deleting the archive of \(room) failed: \(error)")
                    }
                    return []
                }
            case .write(let w) where w.tombstone != nil:
                queue.removeFirst()
                run { store, logger in [(w, await Self.moderate(w, store: store, logger: logger))] }
            case .write:
                var batch: [ArchiveWrite] = []
                for operation in queue.prefix(Self.batchLimit) {
                    guard case .write(let w) = operation, w.tombstone == nil else { break }
                    batch.append(w)
                }
                queue.removeFirst(batch.count)
                let writes = batch
                run { store, logger in
                    let outcome: ArchiveOutcome
                    do {
                        try await store.append(writes.map(\.message))
                        outcome = .stored
                    } catch {
                        logger.error("archiving \(writes.count) message(s) failed; they were not delivered: \(error)")
                        outcome = .failed
                    }
                    return writes.map { ($0, outcome) }
                }
            }
        }
    }

    /// A moderation: the tombstone replaces the message, then the announcement is appended.
    private static func moderate(_ w: ArchiveWrite, store: any ArchiveStore, logger: Logger) async -> ArchiveOutcome {
        guard let tombstone = w.tombstone else { return .failed }
        do {
            let replaced = try await store.replace(room: w.message.room, id: tombstone.id, stanza: tombstone.stanza)
            if !replaced && tombstone.mustExist { return .missing }
            try await store.append([w.message])
            return .stored
        } catch {
            logger.error("storing the moderation of \(tombstone.id) in \(w.message.room) failed: \(error)")
            return .failed
        }
    }

    /// Runs one commit in a task; its outcomes are reported on the loop, then the next starts.
    private func run(_ work: @escaping @Sendable (any ArchiveStore, Logger) async -> [(ArchiveWrite, ArchiveOutcome)]) {
        running = true
        let store = self.store
        let logger = self.logger
        let loop = self.loop
        Task {
            let outcomes = await work(store, logger)
            loop.execute {
                self.running = false
                for (w, outcome) in outcomes {
                    if self.tracksTouchedRooms, case .stored = outcome { self.touchedRooms.insert(w.message.room) }
                    self.report(w, outcome)
                }
                self.startIfIdle()
                self.drained()
            }
        }
    }
}
