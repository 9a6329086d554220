import Foundation
import Histogram
import NIOCore

/// A process whose CPU and memory a run measures (the service, the server, the echo component).
struct MeasuredProcess {
    let label: String
    let probe: ProcessProbe
}

/// One phase with the resource use measured around it.
struct PhaseRecord {
    let result: PhaseResult
    /// Per measured process, in the order of `BenchRun.processes`.
    let deltas: [ProcessDelta]
    let bench: ProcessDelta
    /// Busy cores of the whole machine during the phase (all processes, kernel included).
    let machineBusyCores: Double?
    let machineStealCores: Double?

    /// Cores busy with something other than the measured processes and the bench.
    var otherCores: Double? {
        guard let m = machineBusyCores else { return nil }
        let ours = deltas.reduce(0.0) { $0 + ($1.utilisation ?? 0) } + (bench.utilisation ?? 0)
        return max(0, m - ours)
    }
}

/// Where to put a `perf record` of a measured process.
struct PerfRequest {
    var output: String
    var phase: PhaseKind
    var frequency = 999
    var callGraph = "fp"
}

/// Runs the phases of a scenario over a ready engine and reports.
final class BenchRun {
    let engine: LoadEngine
    let scenario: Scenario
    let mode: String
    let target: String
    let processes: [MeasuredProcess]
    /// The process whose CPU per delivery is the headline (service in direct mode, server behind one).
    let primary: String?
    var perf: PerfRequest?
    var workDir: String
    var log: (String) -> Void
    /// Users that join and leave a room of their own before the measured phases (`warmUp`).
    var warmupJoins = 0

    init(engine: LoadEngine, scenario: Scenario, mode: String, target: String, processes: [MeasuredProcess],
         primary: String?, workDir: String, log: @escaping (String) -> Void) {
        self.engine = engine
        self.scenario = scenario
        self.mode = mode
        self.target = target
        self.processes = processes
        self.primary = primary
        self.workDir = workDir
        self.log = log
    }

    /// Runs every phase; returns the phase records in order.
    func execute() throws -> [PhaseRecord] {
        var records: [PhaseRecord] = []
        try warmUp(users: warmupJoins)
        let joins = try measure(.joins) { engine.runJoins() }
        records.append(joins)
        log(describe(joins))
        if scenario.messages > 0 && joins.result.operations > 0 {
            var next = 0
            if scenario.warmup > 0 {
                let w = try measure(.warmup) { engine.runMessages(.warmup, from: 0, count: scenario.warmup, rate: 0, measure: false) }
                records.append(w)
                log(describe(w))
                next = scenario.warmup
            }
            let from = next
            let m = try measure(.messages) {
                engine.runMessages(.messages, from: from, count: scenario.messages, rate: scenario.rate, measure: true)
            }
            records.append(m)
            log(describe(m))
            next += scenario.messages
            if scenario.pacedFraction > 0 && m.result.seconds > 0 && !m.result.timedOut {
                let peak = Double(m.result.operations) / m.result.seconds
                let target = peak * scenario.pacedFraction
                let from2 = next
                let p = try measure(.paced) {
                    engine.runMessages(.paced, from: from2, count: scenario.messages, rate: target, measure: true)
                }
                records.append(p)
                log(describe(p))
            }
        }
        if scenario.leave {
            let l = try measure(.leaves) { engine.runLeaves() }
            records.append(l)
            log(describe(l))
        }
        return records
    }

    private func measure(_ kind: PhaseKind, _ body: () -> EventLoopFuture<PhaseResult>) throws -> PhaseRecord {
        var recorder: PerfRecorder?
        if let perf, perf.phase == kind, let p = processes.first(where: { $0.label == primary }) ?? processes.first {
            recorder = try PerfRecorder(pid: p.probe.pid, output: perf.output, frequency: perf.frequency,
                                        callGraph: perf.callGraph, workDir: workDir)
        }
        let systemBefore = SystemSample.take()
        let before = processes.map { $0.probe.sample() }
        let selfBefore = SelfProbe.sample()
        let result = try body().wait()
        let after = processes.map { $0.probe.sample() }
        let selfAfter = SelfProbe.sample()
        let systemAfter = SystemSample.take()
        recorder?.stop()
        var busy: Double?
        var steal: Double?
        if let a = systemBefore, let b = systemAfter, b.at > a.at {
            let wall = Double(b.at - a.at)
            busy = Double(b.busyNanos &- a.busyNanos) / wall
            steal = Double(b.stealNanos &- a.stealNanos) / wall
        }
        return PhaseRecord(result: result, deltas: zip(before, after).map { ProcessDelta($0, $1) },
                           bench: ProcessDelta(selfBefore, selfAfter), machineBusyCores: busy, machineStealCores: steal)
    }

    // MARK: Reading the records

    /// Items per second of a phase: deliveries for message phases, completions for joins/leaves.
    static func throughput(_ r: PhaseResult) -> Double? {
        guard r.seconds > 0 else { return nil }
        switch r.kind {
        case .joins, .leaves: return Double(r.operations) / r.seconds
        case .warmup, .messages, .paced: return Double(r.deliveries) / r.seconds
        }
    }

    /// CPU microseconds of a process per unit of work of the phase.
    static func cpuMicros(_ d: ProcessDelta, per units: Int) -> Double? {
        guard let c = d.cpuNanos, units > 0 else { return nil }
        return Double(c) / 1000 / Double(units)
    }

    static func units(_ r: PhaseResult) -> Int {
        switch r.kind {
        case .joins, .leaves: return r.operations
        case .warmup, .messages, .paced: return r.deliveries
        }
    }

    func describe(_ rec: PhaseRecord) -> String {
        let r = rec.result
        var s = String(format: "%-8@ %7.3f s", r.kind.rawValue as NSString, r.seconds)
        switch r.kind {
        case .joins, .leaves:
            s += String(format: "  %d done, %d refused, %.0f/s", r.operations, r.failures, Self.throughput(r) ?? 0)
        case .warmup, .messages, .paced:
            s += String(format: "  %d sent, %d/%d delivered, %.0f deliveries/s, %.0f messages/s",
                        r.operations, r.deliveries, r.expected, Self.throughput(r) ?? 0,
                        r.seconds > 0 ? Double(r.operations) / r.seconds : 0)
            if let h = r.latency, h.totalCount > 0 {
                s += String(format: "  latency p50 %.0f µs p99 %.0f µs p99.9 %.0f µs",
                            Double(h.valueAtPercentile(50)) / 1000, Double(h.valueAtPercentile(99)) / 1000,
                            Double(h.valueAtPercentile(99.9)) / 1000)
            }
            if let t = r.targetRate { s += String(format: "  (target %.0f messages/s%@)", t, r.rateCapped ? ", capped" as NSString : "" as NSString) }
        }
        for (p, d) in zip(processes, rec.deltas) {
            if let u = Self.cpuMicros(d, per: Self.units(r)) { s += String(format: "  %@ %.2f µs CPU/item", p.label as NSString, u) }
            if let util = d.utilisation { s += String(format: " (%.0f%% CPU)", util * 100) }
        }
        if let u = rec.bench.utilisation { s += String(format: "  bench %.0f%% CPU", u * 100) }
        if let o = rec.otherCores, r.seconds >= 0.5, o >= 0.25 { s += String(format: "  [other load %.1f cores]", o) }
        if r.timedOut { s += "  TIMED OUT" }
        if r.missing > 0 { s += "  MISSING \(r.missing)" }
        return s
    }
}
