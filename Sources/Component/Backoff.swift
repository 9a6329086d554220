/// Reconnection delays: capped exponential backoff with jitter, as a pure function so it can be
/// tested without clocks or randomness.
public struct Backoff: Sendable, Equatable {
    /// Delay before the first retry, in seconds.
    public var initial: Double
    /// Upper bound of any delay, in seconds.
    public var maximum: Double

    public init(initial: Double, maximum: Double) {
        // A zero or negative initial delay would turn a refused connection into a busy loop.
        self.initial = max(initial, 0.05)
        self.maximum = max(maximum, self.initial)
    }

    /// The delay before retry number `attempt` (0 for the first retry after a failure).
    ///
    /// "Equal jitter": half of the capped exponential step is fixed and half is random, so retries
    /// of many instances spread out while no delay ever drops below half the step (never a busy loop).
    /// - Parameter jitter: a random number in `0...1`, injected by the caller.
    public func delay(attempt: Int, jitter: Double) -> Double {
        let exponent = Double(min(max(attempt, 0), 62))
        let step = min(maximum, initial * pow2(exponent))
        let j = min(max(jitter, 0), 1)
        return step / 2 + step / 2 * j
    }

    private func pow2(_ e: Double) -> Double {
        var r = 1.0
        var i = 0.0
        while i < e && r < 1e12 { r *= 2; i += 1 }
        return r
    }
}
