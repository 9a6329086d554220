import Component
import Foundation
import Testing

// Waits with a bound, for tests that drive the real runtime: a time limit cannot cancel a wait on
// an EventLoopFuture, so a wait that never ends would otherwise stall the whole test run.

/// A flag set from one task and read from another.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// Whether `body` completes within `seconds`. It runs in a task of its own, so a wait that never
/// ends fails the test instead of hanging it.
func finishes(within seconds: Double, _ body: @escaping @Sendable () async -> Void) async -> Bool {
    let done = Flag()
    Task { await body(); done.set() }
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !done.isSet && ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(10))
    }
    return done.isSet
}

/// Shuts `component` down and waits for `run()` to return, both bounded: a hang is recorded as a
/// failure where it happens instead of stalling the whole run.
func stop(_ component: MUCComponent, _ running: Task<Void, Error>, sourceLocation: SourceLocation = #_sourceLocation) async {
    let ended = await finishes(within: 15) {
        await component.shutdown()
        _ = await running.result
    }
    #expect(ended, "run() did not end within 15 s of shutdown()", sourceLocation: sourceLocation)
}
