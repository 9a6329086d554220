import Foundation
import NIOCore

/// The recorded events and whoever waits on them. Thread-safe.
final class EventLog: @unchecked Sendable {
    private struct Waiter {
        let id: Int
        let predicate: @Sendable (FakeServerEvent) -> Bool
        let continuation: CheckedContinuation<FakeServerEvent, Error>
    }

    private let lock = NSLock()
    private var events: [FakeServerEvent] = []
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0

    var snapshot: [FakeServerEvent] { lock.withLock { events } }
    var count: Int { lock.withLock { events.count } }

    func record(_ event: FakeServerEvent) {
        let ready: [(CheckedContinuation<FakeServerEvent, Error>)] = lock.withLock {
            events.append(event)
            var hits: [CheckedContinuation<FakeServerEvent, Error>] = []
            waiters.removeAll { w in
                guard w.predicate(event) else { return false }
                hits.append(w.continuation)
                return true
            }
            return hits
        }
        for c in ready { c.resume(returning: event) }
    }

    /// Waits for the first event at index `from` or later that satisfies `predicate`.
    func wait(from index: Int, timeout: TimeAmount, description: String,
              where predicate: @escaping @Sendable (FakeServerEvent) -> Bool) async throws -> FakeServerEvent {
        let id: Int = lock.withLock { nextWaiterID += 1; return nextWaiterID }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<FakeServerEvent, Error>) in
                let found: Result<FakeServerEvent, Error>? = lock.withLock {
                    let start = max(0, min(index, events.count))
                    if let hit = events[start...].first(where: predicate) { return .success(hit) }
                    // Cancelled before it was registered: `onCancel` found nothing to fail.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    waiters.append(Waiter(id: id, predicate: predicate, continuation: continuation))
                    return nil
                }
                if let found {
                    continuation.resume(with: found)
                    return
                }
                // The timer is a task, not a task on the server's loop: a loop that was shut down
                // would drop it, and the wait would never end.
                Task { [self] in
                    try? await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
                    self.fail(id, with: FakeServerWaitError.timedOut(waitingFor: description))
                }
            }
        } onCancel: {
            self.fail(id, with: CancellationError())
        }
    }

    private func fail(_ id: Int, with error: Error) {
        let c: CheckedContinuation<FakeServerEvent, Error>? = lock.withLock {
            guard let i = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: i).continuation
        }
        c?.resume(throwing: error)
    }
}
