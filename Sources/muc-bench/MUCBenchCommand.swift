import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `muc-bench`: load generator and benchmark for the MUC component and for real servers' MUC.
@main
struct MUCBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "muc-bench",
        abstract: "Load generator for XMPP Multi-User Chat services speaking the component protocol (XEP-0114).",
        discussion: """
        direct: the bench plays the XMPP server; it starts muc-component, accepts its component
                connection and drives it directly (the service's own cost, no server in between).
        server: the bench attaches to a real server's component port as its own domain and sends
                from simulated users there to rooms at a MUC domain the server routes (its own MUC,
                muc-component attached to it, or the echo component).
        echo:   a do-nothing MUC component (joins and groupchat reflection only), to measure the
                server's routing ceiling.
        machine: the service's own CPU per join, delivery and leave, in process (no sockets, no
                XML parsing): steady figures on a shared machine.
        archive-store: the message archive alone on SQLite or PostgreSQL: appends/s, page latency,
                bytes on disk per message.

        Results: a line per phase, then one JSON line with everything (docs/performance.md).
        Exit status 0 when every correctness check passed, 1 when one failed, 2 on a setup error.
        """,
        subcommands: [DirectCommand.self, ServerCommand.self, EchoCommand.self, MachineCommand.self, SelfTestCommand.self,
                      ArchiveStoreCommand.self]
    )
}

/// Connection options for the bench's sockets.
enum Sockets {
    static let receiveBuffer = 256 * 1024
}

/// Runs the phases, prints the report and exits with the verdict.
func runAndReport(engine: LoadEngine, load: LoadOptions, scenario: Scenario, mode: String, target: String,
                  processes: [MeasuredProcess], primary: String?, workDir: String, setup: [(String, JSON)],
                  beforeExit: () -> [(String, JSON)]) throws -> Int32 {
    let run = BenchRun(engine: engine, scenario: scenario, mode: mode, target: target, processes: processes,
                       primary: primary, workDir: workDir, log: { line in if !load.quiet { print(line) } })
    run.perf = try load.perfRequest()
    run.warmupJoins = load.warmupJoins
    if !load.quiet {
        print("\(mode) \(target): \(scenario.rooms) rooms x \(scenario.occupants) occupants, \(scenario.messages) messages per sender (\(scenario.effectiveSenders) senders per room), "
              + (scenario.rate > 0 ? "\(Int(scenario.rate)) messages/s" : "\(scenario.inFlight) in flight per sender")
              + (scenario.lean ? ", lean presence" : ""))
    }
    let records = try run.execute()
    let (counters, tracking) = try engine.snapshot().wait()
    let validation = try engine.loop.submit { engine.link?.validationError }.wait()
    let extra = beforeExit()
    let (json, ok, problems) = Report.json(run: run, records: records, counters: counters, trackingBytes: tracking,
                                           validationError: validation,
                                           setup: [("tag", load.tag.map(JSON.string) ?? .null)] + setup + extra)
    if !load.quiet {
        for r in records where (r.bench.utilisation ?? 0) >= benchSaturation {
            print("WARNING: the bench itself was saturated in the \(r.result.kind.rawValue) phase (\(Int((r.bench.utilisation ?? 0) * 100))% CPU): figures of that phase are a floor, not the service's limit")
        }
        print(ok ? "correctness: OK" : "correctness: FAILED (\(problems.joined(separator: ", ")))")
        if let e = counters.firstError, !ok { print("first error stanza: \(e)") }
        if let e = counters.firstUnexpected, !ok { print("first unexpected stanza: \(e)") }
        if let e = counters.linkError { print("connection ended during the run: \(e)") }
    }
    let line = json.text
    print(line)
    if let path = load.jsonOut {
        if let h = FileHandle(forWritingAtPath: path) ?? {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() {
            h.seekToEndOfFile()
            h.write(Data((line + "\n").utf8))
            h.closeFile()
        }
    }
    return ok ? 0 : 1
}

/// Polls `condition` on the loop until it holds, `alive` fails or `timeout` passes.
func waitUntil(_ loop: EventLoop, timeout: Double, what: String, alive: () -> String?, _ condition: @escaping () -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try loop.submit(condition).wait() { return }
        if let why = alive() { throw BenchError.setup(why) }
        usleep(20_000)
    }
    throw BenchError.timeout("\(what) within \(Int(timeout)) s")
}

/// The path of this executable (to start `muc-bench echo` as a child).
func selfExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}
