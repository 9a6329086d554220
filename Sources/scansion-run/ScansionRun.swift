import ScansionCore
import ArgumentParser
import Foundation
import Scansion

/// `scansion-run PATH...`: plays scansion scripts against a fresh fake server and a fresh
/// in-process MUC service per script, prints PASS or FAIL (with the diff) per script and a summary.
/// With `--server HOST:PORT` the scripts' clients log in to a real XMPP server instead, to which
/// the service under test must already be attached.
@main
struct ScansionRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scansion-run",
        abstract: "Run scansion scripts (.scs) against the MUC service through the bundled fake XMPP server.",
        discussion: """
            Each script runs against a new fake server and a new service (in-process, memory storage), \
            both on ephemeral loopback ports. Folders are searched for .scs files. The exit status is \
            non-zero when any script fails.

            With --server HOST:PORT the clients log in to a real XMPP server's client port instead \
            (SASL PLAIN without TLS, so only on loopback), with the JIDs and passwords of the scripts' \
            [Client] blocks; no fake server and no service are started: the service must already be \
            attached to that server (scripts/interop/run.sh does all of this for Prosody and ejabberd).
            """)

    @Argument(help: "Script files or folders holding .scs files.")
    var paths: [String]

    @Option(help: "Seconds a receive step waits for each expected stanza.")
    var receiveTimeout: Double = 5

    @Option(help: "Seconds 'receives: nothing' watches for a stanza.")
    var nothingWait: Double = 2

    @Option(help: "Service log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "critical"

    @Option(help: "Log in to the real XMPP server at HOST:PORT (its client port) instead of the fake server.")
    var server: String?

    @Option(help: "Seconds a client log-in to a real server may take (with --server).")
    var loginTimeout: Double = 10

    @Option(help: "Seconds to wait before each action for stanzas still in flight (with --server).")
    var settle: Double = 0.2

    @Option(help: ArgumentHelp(
        "Record mode: keep every stanza each client receives and write DIR/<script>.json.",
        discussion: "A receives step that does not match is noted in the file instead of stopping the script.",
        valueName: "DIR"))
    var record: String?

    @Flag(help: "Print each step as it starts (with --server), e.g. for a driver that acts while a script waits.")
    var progress = false

    mutating func run() async throws {
        guard let launcher = InProcessService.launcher(logLevelNamed: logLevel) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        let files: [String]
        do {
            files = try ScriptFiles.collect(paths)
        } catch {
            throw ValidationError("\(error)")
        }
        guard !files.isEmpty else { throw ValidationError("no .scs files found in \(paths.joined(separator: ", "))") }

        var options = RunOptions(receiveTimeout: .milliseconds(Int64(receiveTimeout * 1000)),
                                 nothingWait: .milliseconds(Int64(nothingWait * 1000)))
        if server != nil { options.settleBeforeAction = .milliseconds(Int64(settle * 1000)) }
        let runFile: (String) async -> ScriptResult
        if let server {
            guard let address = RealServerHarness.parseAddress(server) else {
                throw ValidationError("--server must be HOST:PORT, got '\(server)'")
            }
            let connector = RealServerConnector(host: address.host, port: address.port,
                                                loginTimeout: .milliseconds(Int64(loginTimeout * 1000)))
            let onStep: (@Sendable (Step) -> Void)? = progress ? Self.printStep : nil
            var harness = RealServerHarness(connector: connector, options: options, onStep: onStep)
            harness.record = record != nil
            runFile = { [harness] in await harness.run(file: $0) }
        } else {
            var harness = ScansionHarness(options: options, launcher: launcher)
            harness.record = record != nil
            runFile = { [harness] in await harness.run(file: $0) }
        }
        if let record {
            do {
                try FileManager.default.createDirectory(atPath: record, withIntermediateDirectories: true)
            } catch {
                throw ValidationError("cannot create '\(record)': \(error)")
            }
        }
        var passed = 0
        var failed = 0
        for file in files {
            let result = await runFile(file)
            if let record {
                if let recording = result.recording {
                    // In record mode only a script that cannot be read or set up fails.
                    let base = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                    let path = (record as NSString).appendingPathComponent(base + ".json")
                    do {
                        try recording.jsonData().write(to: URL(fileURLWithPath: path))
                    } catch {
                        print("FAIL \(file)\n  cannot write \(path): \(error)")
                        failed += 1
                        continue
                    }
                    let n = recording.mismatches.count
                    print("RECORDED \(file) -> \(path) (\(n) mismatch\(n == 1 ? "" : "es"))")
                    passed += 1
                    continue
                }
            }
            if let failure = result.failure {
                failed += 1
                print("FAIL \(file)")
                print(failure.description.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
            } else {
                passed += 1
                print("PASS \(file)")
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }

    /// Progress line for `--progress`, flushed at once so a driver reading the output sees it.
    @Sendable static func printStep(_ step: Step) {
        FileHandle.standardOutput.write(Data("  step line \(step.line): \(step.summary)\n".utf8))
    }
}
