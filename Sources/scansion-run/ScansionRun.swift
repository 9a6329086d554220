import ArgumentParser
import Foundation
import Scansion

/// `scansion-run PATH...`: plays scansion scripts against a fresh fake server and a fresh
/// in-process MUC service per script, prints PASS or FAIL (with the diff) per script and a summary.
@main
struct ScansionRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scansion-run",
        abstract: "Run scansion scripts (.scs) against the MUC service through the bundled fake XMPP server.",
        discussion: """
            Each script runs against a new fake server and a new service (in-process, memory storage), \
            both on ephemeral loopback ports. Folders are searched for .scs files. The exit status is \
            non-zero when any script fails.
            """)

    @Argument(help: "Script files or folders holding .scs files.")
    var paths: [String]

    @Option(help: "Seconds a receive step waits for each expected stanza.")
    var receiveTimeout: Double = 5

    @Option(help: "Seconds 'receives: nothing' watches for a stanza.")
    var nothingWait: Double = 2

    @Option(help: "Service log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "critical"

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

        let options = RunOptions(receiveTimeout: .milliseconds(Int64(receiveTimeout * 1000)),
                                 nothingWait: .milliseconds(Int64(nothingWait * 1000)))
        let harness = ScansionHarness(options: options, launcher: launcher)
        var passed = 0
        var failed = 0
        for file in files {
            let result = await harness.run(file: file)
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
}
