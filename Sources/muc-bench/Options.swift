import ArgumentParser
import Foundation

/// The load and reporting options shared by the direct and server modes.
struct LoadOptions: ParsableArguments {
    @Option(help: "Rooms.")
    var rooms = 1
    @Option(help: "Occupants per room.")
    var occupants = 10
    @Option(help: "Messages per sender in the measured phase (0 skips the message phases).")
    var messages = 20
    @Option(help: "Occupants per room that send (the first ones); 0 means all.")
    var senders = 0
    @Option(help: "Bytes of each message body.")
    var payload = 64
    @Option(name: .customLong("in-flight"), help: "Messages in flight per sender (closed loop).")
    var inFlight = 1
    @Option(help: "Messages per second in total (open loop) instead of --in-flight; 0 = closed loop.")
    var rate = 0.0
    @Option(help: "Messages per sender sent before the measured phase, not counted.")
    var warmup = 0
    @Option(name: .customLong("warmup-joins"), help: "Before the measured phases, this many users join a room of their own and leave it, unmeasured, so the target's one-time costs stay out of the figures (0 = none).")
    var warmupJoins = 50
    @Option(name: .customLong("paced-fraction"), help: "After the measured phase, another at this fraction of its messages/s, open loop (0 = none).")
    var pacedFraction = 0.0
    @Option(name: .customLong("join-window"), help: "Joins (and leaves) in flight at once.")
    var joinWindow = 64
    @Flag(help: "Rooms broadcast moderators' presence only (configured through the form): joins in O(1), for very large rooms.")
    var lean = false
    @Flag(name: .customLong("no-leave"), help: "Skip the leave phase.")
    var noLeave = false
    @Option(name: .customLong("room-form"), help: "A field for the room configuration form, VAR=VALUE (repeatable).")
    var roomForm: [String] = []
    @Option(name: .customLong("stall-seconds"), help: "End a phase after this long without progress.")
    var stallSeconds = 20.0
    @Option(name: .customLong("max-outstanding"), help: "Open loop: most messages awaiting their reflection.")
    var maxOutstanding = 20000
    @Option(help: "A label for this run in the report (the target's name).")
    var label: String?
    @Option(help: "A tag for this run in the report (the scenario's name in scripts/bench/run.sh).")
    var tag: String?
    @Flag(name: .customLong("validate-xml"), help: "Also feed every received byte to the libxml2 stream parser and report malformed XML (costs bench CPU).")
    var validateXML = false
    @Option(name: .customLong("json-out"), help: "Append the final JSON line to this file too.")
    var jsonOut: String?
    @Option(name: .customLong("perf-record"), help: "Record a perf profile (perf.data) of the measured process during one phase into this file.")
    var perfRecord: String?
    @Option(name: .customLong("perf-phase"), help: "The phase to profile: joins, messages, leaves.")
    var perfPhase = "messages"
    @Option(name: .customLong("perf-call-graph"), help: "perf's --call-graph mode (fp, dwarf, lbr).")
    var perfCallGraph = "fp"
    @Option(name: .customLong("work-dir"), help: "Directory for the generated config and logs (default: a new one under /tmp).")
    var workDir: String?
    @Option(help: "Print the first N received stanzas to standard error (debugging).")
    var trace = 0
    @Flag(help: "Only print the JSON line.")
    var quiet = false

    func scenario() throws -> Scenario {
        guard rooms > 0, occupants > 0, messages >= 0, inFlight > 0, payload >= 0, joinWindow > 0, warmupJoins >= 0 else {
            throw ValidationError("rooms, occupants, in-flight and join-window must be positive; messages, payload and warmup-joins not negative")
        }
        var s = Scenario()
        s.rooms = rooms
        s.occupants = occupants
        s.messages = messages
        s.senders = senders
        s.payload = payload
        s.inFlight = inFlight
        s.rate = rate
        s.warmup = warmup
        s.pacedFraction = pacedFraction
        s.joinWindow = joinWindow
        s.lean = lean
        s.leave = !noLeave
        s.stallSeconds = stallSeconds
        s.maxOutstanding = maxOutstanding
        for f in roomForm {
            guard let eq = f.firstIndex(of: "=") else { throw ValidationError("--room-form takes VAR=VALUE, got '\(f)'") }
            s.roomForm.append((String(f[..<eq]), String(f[f.index(after: eq)...])))
        }
        let pairs = Double(s.users) * Double(s.effectiveSenders) * Double((s.sequenceSpace + 63) / 64) * 8
        if pairs > 2e9 {
            throw ValidationError("tracking every (receiver, sender) pair would take \(Int(pairs / 1e6)) MB: use --senders to limit the senders")
        }
        return s
    }

    func perfRequest() throws -> PerfRequest? {
        guard let perfRecord else { return nil }
        guard let phase = PhaseKind(rawValue: perfPhase) else { throw ValidationError("unknown --perf-phase '\(perfPhase)'") }
        return PerfRequest(output: perfRecord, phase: phase, callGraph: perfCallGraph)
    }

    func makeWorkDir() throws -> String {
        if let workDir {
            try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
            return workDir
        }
        let dir = NSTemporaryDirectory() + "muc-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Writes progress lines to standard error (standard output carries the results).
func progress(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
