#if canImport(Glibc)
import Glibc
#endif

/// CPU time and memory of one process at one moment.
struct ProcessSample {
    /// CPU time (user + system, all threads, dead ones included) in nanoseconds, from the
    /// process's CPU-time clock; nil when the process is gone or the clock is refused.
    var cpuNanos: UInt64?
    /// The same from `/proc/PID/stat` (utime + stime, in clock ticks of 10 ms), as a cross-check.
    var statCPUNanos: UInt64?
    /// Resident set size (`VmRSS` of `/proc/PID/status`) in bytes.
    var rssBytes: UInt64?
    /// When it was taken (monotonic ns).
    var at: UInt64
}

/// Difference of two samples of one process.
struct ProcessDelta {
    var cpuNanos: UInt64?
    var rssGrowthBytes: Int64?
    var rssAfterBytes: UInt64?
    var wallNanos: UInt64

    init(_ a: ProcessSample, _ b: ProcessSample) {
        wallNanos = b.at &- a.at
        if let x = a.cpuNanos, let y = b.cpuNanos, y >= x {
            cpuNanos = y - x
        } else if let x = a.statCPUNanos, let y = b.statCPUNanos, y >= x {
            cpuNanos = y - x
        }
        if let x = a.rssBytes, let y = b.rssBytes { rssGrowthBytes = Int64(y) - Int64(x) }
        rssAfterBytes = b.rssBytes
    }

    /// CPU time over wall time (1.0 = one core busy all the time).
    var utilisation: Double? {
        guard let c = cpuNanos, wallNanos > 0 else { return nil }
        return Double(c) / Double(wallNanos)
    }
}

/// Reads another process's CPU time and memory (Linux `/proc` and `clock_getcpuclockid`).
struct ProcessProbe {
    let pid: pid_t
    let name: String

    init(pid: pid_t, name: String) {
        self.pid = pid
        self.name = name
    }

    func sample() -> ProcessSample {
        let at = monotonicNanos()
        return ProcessSample(cpuNanos: clockCPU(), statCPUNanos: statCPU(), rssBytes: rss(), at: at)
    }

    private func clockCPU() -> UInt64? {
        var clock = clockid_t()
        guard clock_getcpuclockid(pid, &clock) == 0 else { return nil }
        var ts = timespec()
        guard clock_gettime(clock, &ts) == 0 else { return nil }
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    private func statCPU() -> UInt64? {
        guard let bytes = readSmallFile("/proc/\(pid)/stat"),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 12,
              let utime = UInt64(String(decoding: fields[11], as: UTF8.self)),
              let stime = UInt64(String(decoding: fields[12], as: UTF8.self)) else { return nil }
        let tick = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        return (utime + stime) * (1_000_000_000 / tick)
    }

    private func rss() -> UInt64? {
        guard let bytes = readSmallFile("/proc/\(pid)/status") else { return nil }
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.starts(with: Array("VmRSS:".utf8)) {
            let digits = line.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            if let kb = UInt64(String(decoding: digits, as: UTF8.self)) { return kb * 1024 }
        }
        return nil
    }

    /// Whether the process still exists.
    var isAlive: Bool { kill(pid, 0) == 0 }
}

/// The bench's own CPU time (getrusage) and memory.
enum SelfProbe {
    static func sample() -> ProcessSample {
        let at = monotonicNanos()
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let micros = UInt64(usage.ru_utime.tv_sec) * 1_000_000 + UInt64(usage.ru_utime.tv_usec)
            + UInt64(usage.ru_stime.tv_sec) * 1_000_000 + UInt64(usage.ru_stime.tv_usec)
        return ProcessSample(cpuNanos: micros * 1000, statCPUNanos: nil,
                             rssBytes: ProcessProbe(pid: getpid(), name: "bench").sample().rssBytes, at: at)
    }
}

/// Reads a small file (such as one under /proc) in full, without Foundation.
func readSmallFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
        if n <= 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}

/// The whole machine's CPU use (`/proc/stat`), to tell whether something else competed for the
/// cores during a phase (figures measured on a busy machine are not comparable).
struct SystemSample {
    /// Busy and steal time of all CPUs, in nanoseconds (from clock ticks).
    var busyNanos: UInt64
    var stealNanos: UInt64
    var at: UInt64

    static func take() -> SystemSample? {
        let at = monotonicNanos()
        guard let bytes = readSmallFile("/proc/stat"),
              let line = bytes.split(separator: UInt8(ascii: "\n")).first else { return nil }
        let fields = line.split(separator: UInt8(ascii: " ")).dropFirst().compactMap { UInt64(String(decoding: $0, as: UTF8.self)) }
        guard fields.count >= 8 else { return nil }
        let tick = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        let ns = 1_000_000_000 / tick
        // user nice system idle iowait irq softirq steal
        let busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6]
        return SystemSample(busyNanos: busy * ns, stealNanos: fields[7] * ns, at: at)
    }
}
