import Foundation

/// One database operation racing its watchdog: whichever finishes first decides the result, and
/// the caller is resumed exactly once. Unstructured on purpose: a query stuck on a dead socket
/// cannot hold the caller past the deadline.
final class OperationRace<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?
    private var pendingResult: Result<T, Error>?
    private var finished = false
    private var tasks: [Task<Void, Never>] = []

    var isFinished: Bool { lock.withLock { finished } }

    /// Remembers a task to cancel once the race is decided.
    func track(_ task: Task<Void, Never>) {
        let cancelNow = lock.withLock { () -> Bool in
            if finished { return true }
            tasks.append(task)
            return false
        }
        if cancelNow { task.cancel() }
    }

    func install(_ continuation: CheckedContinuation<T, Error>) {
        let ready = lock.withLock { () -> Result<T, Error>? in
            if let pendingResult { return pendingResult }
            self.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(with: ready) }
    }

    /// Decides the race; later calls are ignored.
    func finish(_ result: Result<T, Error>) {
        let (continuation, tasks) = lock.withLock { () -> (CheckedContinuation<T, Error>?, [Task<Void, Never>]) in
            if finished { return (nil, []) }
            finished = true
            let c = self.continuation
            self.continuation = nil
            if c == nil { pendingResult = result }
            let t = self.tasks
            self.tasks = []
            return (c, t)
        }
        for task in tasks { task.cancel() }
        continuation?.resume(with: result)
    }
}
