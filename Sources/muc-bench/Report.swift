import Histogram

/// The bench is saturated in a phase when its own CPU reaches this share of the wall time.
let benchSaturation = 0.9

/// Builds the final JSON line and the correctness verdict.
enum Report {
    static func latencyJSON(_ h: Histogram<UInt64>?) -> JSON {
        guard let h, h.totalCount > 0 else { return .null }
        func us(_ v: UInt64) -> JSON { .number(Double(v) / 1000, digits: 1) }
        return .object([
            ("count", .int(Int(h.totalCount))),
            ("p50", us(h.valueAtPercentile(50))),
            ("p90", us(h.valueAtPercentile(90))),
            ("p99", us(h.valueAtPercentile(99))),
            ("p999", us(h.valueAtPercentile(99.9))),
            ("max", us(h.max)),
        ])
    }

    static func phaseJSON(_ rec: PhaseRecord, run: BenchRun) -> JSON {
        let r = rec.result
        var o: [(String, JSON)] = [
            ("seconds", .number(r.seconds, digits: 4)),
            ("timed_out", .bool(r.timedOut)),
        ]
        let units = BenchRun.units(r)
        switch r.kind {
        case .joins, .leaves:
            o.append(("count", .int(r.operations)))
            o.append(("refused", .int(r.failures)))
            o.append(("per_second", .number(BenchRun.throughput(r), digits: 1)))
            if r.kind == .joins {
                o.append(("presence_sightings", .int(r.deliveries)))
                o.append(("presence_sightings_expected", .int(r.expected)))
            }
            o.append(("missing", .int(r.missing)))
        case .warmup, .messages, .paced:
            o.append(("sent", .int(r.operations)))
            o.append(("deliveries", .int(r.deliveries)))
            o.append(("expected", .int(r.expected)))
            o.append(("missing", .int(r.missing)))
            o.append(("deliveries_per_second", .number(BenchRun.throughput(r), digits: 1)))
            o.append(("messages_per_second", .number(r.seconds > 0 ? Double(r.operations) / r.seconds : nil, digits: 1)))
            if let t = r.targetRate {
                o.append(("target_messages_per_second", .number(t, digits: 1)))
                o.append(("rate_capped", .bool(r.rateCapped)))
            }
            o.append(("latency_us", latencyJSON(r.latency)))
        }
        var cpu: [(String, JSON)] = []
        for (p, d) in zip(run.processes, rec.deltas) {
            cpu.append((p.label, .object([
                ("cpu_ms", .number(d.cpuNanos.map { Double($0) / 1e6 }, digits: 2)),
                ("utilisation", .number(d.utilisation, digits: 3)),
                ("us_per_item", .number(BenchRun.cpuMicros(d, per: units), digits: 3)),
                ("rss_growth_bytes", d.rssGrowthBytes.map { JSON.int(Int($0)) } ?? .null),
            ])))
        }
        cpu.append(("bench", .object([
            ("cpu_ms", .number(rec.bench.cpuNanos.map { Double($0) / 1e6 }, digits: 2)),
            ("utilisation", .number(rec.bench.utilisation, digits: 3)),
            ("saturated", .bool((rec.bench.utilisation ?? 0) >= benchSaturation)),
        ])))
        o.append(("cpu", .object(cpu)))
        o.append(("machine", .object([
            ("busy_cores", .number(rec.machineBusyCores, digits: 2)),
            ("steal_cores", .number(rec.machineStealCores, digits: 2)),
            ("other_cores", .number(rec.otherCores, digits: 2)),
        ])))
        return .object(o)
    }

    /// The whole run as one JSON object, headline figures first.
    static func json(run: BenchRun, records: [PhaseRecord], counters: Counters, trackingBytes: Int,
                     validationError: String?, setup: [(String, JSON)]) -> (JSON, Bool, [String]) {
        let s = run.scenario
        let joins = records.first { $0.result.kind == .joins }
        let messages = records.first { $0.result.kind == .messages }
        let paced = records.first { $0.result.kind == .paced }
        let primaryIndex = run.processes.firstIndex { $0.label == run.primary }

        // Correctness.
        let messageMissing = records.filter { [.warmup, .messages, .paced].contains($0.result.kind) }.reduce(0) { $0 + $1.result.missing }
        let presenceMissing = joins.map { max(0, $0.result.expected - $0.result.deliveries) } ?? 0
        let joinsUnfinished = joins.map { $0.result.timedOut ? $0.result.missing - presenceMissing : 0 } ?? 0
        let leavesMissing = records.first { $0.result.kind == .leaves }?.result.missing ?? 0
        var problems: [String] = []
        func check(_ name: String, _ v: Int) { if v != 0 { problems.append("\(name)=\(v)") } }
        check("missing", messageMissing)
        check("duplicated", counters.duplicated)
        check("out_of_order", counters.outOfOrder)
        check("bounced", counters.bounced)
        check("unexpected", counters.unexpected)
        check("missing_presences", presenceMissing)
        check("missing_110", counters.missingSelfCode)
        check("join_errors", counters.joinErrors)
        check("config_errors", counters.configErrors)
        check("joins_unfinished", max(0, joinsUnfinished))
        check("leaves_missing", leavesMissing)
        if validationError != nil { problems.append("invalid_xml") }
        if counters.linkError != nil { problems.append("connection_lost") }
        let ok = problems.isEmpty

        let saturated = records.filter { ($0.bench.utilisation ?? 0) >= benchSaturation }.map { $0.result.kind.rawValue }

        var headline: [(String, JSON)] = []
        if let j = joins { headline.append(("joins_per_second", .number(BenchRun.throughput(j.result), digits: 1))) }
        if let m = messages {
            headline.append(("deliveries_per_second", .number(BenchRun.throughput(m.result), digits: 1)))
            headline.append(("messages_per_second", .number(m.result.seconds > 0 ? Double(m.result.operations) / m.result.seconds : nil, digits: 1)))
            let h = m.result.latency
            headline.append(("p50_us", .number(h.map { Double($0.valueAtPercentile(50)) / 1000 }, digits: 1)))
            headline.append(("p99_us", .number(h.map { Double($0.valueAtPercentile(99)) / 1000 }, digits: 1)))
            headline.append(("p999_us", .number(h.map { Double($0.valueAtPercentile(99.9)) / 1000 }, digits: 1)))
            if let i = primaryIndex {
                headline.append(("cpu_us_per_delivery", .number(BenchRun.cpuMicros(m.deltas[i], per: m.result.deliveries), digits: 3)))
            }
        }
        if let p = paced {
            headline.append(("paced_messages_per_second", .number(p.result.seconds > 0 ? Double(p.result.operations) / p.result.seconds : nil, digits: 1)))
            headline.append(("paced_p99_us", .number(p.result.latency.map { Double($0.valueAtPercentile(99)) / 1000 }, digits: 1)))
        }
        if let j = joins, let i = primaryIndex {
            headline.append(("cpu_us_per_join", .number(BenchRun.cpuMicros(j.deltas[i], per: j.result.operations), digits: 2)))
            let growth = j.deltas[i].rssGrowthBytes.map { Double($0) / Double(max(1, j.result.operations)) }
            headline.append(("bytes_per_occupant", .number(growth, digits: 0)))
        }
        headline.append(("ok", .bool(ok)))
        headline.append(("bench_saturated", .array(saturated.map(JSON.string))))

        var memory: [(String, JSON)] = []
        if let j = joins {
            for (p, d) in zip(run.processes, j.deltas) {
                memory.append((p.label, .object([
                    ("rss_after_joins_bytes", d.rssAfterBytes.map { JSON.int(Int($0)) } ?? .null),
                    ("rss_growth_bytes", d.rssGrowthBytes.map { JSON.int(Int($0)) } ?? .null),
                    ("bytes_per_occupant", .number(d.rssGrowthBytes.map { Double($0) / Double(max(1, j.result.operations)) }, digits: 0)),
                ])))
            }
        }

        let scenario: JSON = .object([
            ("rooms", .int(s.rooms)), ("occupants", .int(s.occupants)), ("messages", .int(s.messages)),
            ("senders", .int(s.effectiveSenders)), ("payload", .int(s.payload)), ("in_flight", .int(s.inFlight)),
            ("rate", .number(s.rate, digits: 1)), ("warmup", .int(s.warmup)), ("paced_fraction", .number(s.pacedFraction, digits: 2)),
            ("join_window", .int(s.joinWindow)), ("lean", .bool(s.lean)),
        ])
        let correctness: JSON = .object([
            ("ok", .bool(ok)),
            ("missing", .int(messageMissing)),
            ("duplicated", .int(counters.duplicated)),
            ("out_of_order", .int(counters.outOfOrder)),
            ("bounced", .int(counters.bounced)),
            ("unexpected", .int(counters.unexpected)),
            ("missing_presences", .int(presenceMissing)),
            ("missing_110", .int(counters.missingSelfCode)),
            ("join_errors", .int(counters.joinErrors)),
            ("config_errors", .int(counters.configErrors)),
            ("leaves_missing", .int(leavesMissing)),
            ("xml_valid", validationError == nil ? .bool(true) : .string(validationError ?? "")),
            ("first_error", counters.firstError.map(JSON.string) ?? .null),
            ("first_unexpected", counters.firstUnexpected.map(JSON.string) ?? .null),
            ("connection_error", counters.linkError.map(JSON.string) ?? .null),
        ])
        let received: JSON = .object([
            ("stanzas", .int(counters.stanzasIn)), ("deliveries", .int(counters.deliveries)),
            ("presences", .int(counters.presences)), ("others_unavailable", .int(counters.othersUnavailable)),
            ("subjects", .int(counters.subjects)), ("other_messages", .int(counters.otherMessages)),
            ("iqs", .int(counters.iqs)), ("other", .int(counters.other)),
        ])
        var all: [(String, JSON)] = [("mode", .string(run.mode)), ("target", .string(run.target)), ("scenario", scenario)]
        all += headline
        all.append(("phases", .object(records.map { ($0.result.kind.rawValue, phaseJSON($0, run: run)) })))
        all.append(("memory", .object(memory)))
        all.append(("correctness", correctness))
        all.append(("received", received))
        all.append(("bench_tracking_bytes", .int(trackingBytes)))
        all += setup
        return (.object(all), ok, problems)
    }
}
