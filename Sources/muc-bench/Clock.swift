#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic time in nanoseconds (CLOCK_MONOTONIC): the one clock every timestamp in the bench uses.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Seconds between two monotonic readings.
@inline(__always)
func elapsedSeconds(from start: UInt64, to end: UInt64) -> Double {
    Double(end &- start) / 1e9
}
