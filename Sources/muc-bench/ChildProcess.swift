import Foundation

/// A process the bench starts and stops (the service, the echo component, perf).
final class ChildProcess {
    let name: String
    let process: Process
    let logPath: String

    /// Starts `command` (the first element is the executable) with its output in `logPath`.
    init(name: String, command: [String], logPath: String, environment: [String: String]? = nil) throws {
        guard let exe = command.first else { throw BenchError.setup("\(name): empty command") }
        self.name = name
        self.logPath = logPath
        process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = Array(command.dropFirst())
        if let environment { process.environment = environment }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw BenchError.setup("cannot start \(name) (\(exe)): \(error)")
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Sends `signal`, waits up to `timeout` seconds for the exit, then kills. Returns the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Double = 10) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// The last lines of the child's output (for error messages).
    func logTail(lines: Int = 15) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "" }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// The configuration the bench writes for the service it starts.
enum ServiceConfig {
    /// A TOML file for `muc-component run`: in-memory storage, quiet logs, no occupant limits,
    /// short history (joins ask for none anyway).
    /// - Parameter storage: the service's storage: "memory", or "sqlite" in `sqlitePath` (the
    ///   archive comparison of `make bench`).
    /// - Parameter archive: whether rooms may archive (only persistent rooms do).
    static func write(to path: String, domain: String, host: String, port: Int, secret: String, logLevel: String,
                      storage: String = "memory", sqlitePath: String = "", archive: Bool = true) throws {
        let storageLines = storage == "sqlite" ? "backend = \"sqlite\"\npath = \"\(sqlitePath)\"" : "backend = \"memory\""
        let text = """
        # Written by muc-bench for one run.
        [component]
        domain = "\(domain)"
        host = "\(host)"
        port = \(port)
        secret = "\(secret)"
        keepalive_seconds = 0
        reconnect_initial_seconds = 0.2
        reconnect_max_seconds = 1

        [storage]
        \(storageLines)

        [archive]
        enabled = \(archive)

        [log]
        level = "\(logLevel)"

        [limits]
        max_occupants_per_room = 0

        [rooms]
        max_users = 0
        history_length = 5

        """
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw BenchError.setup("cannot write \(path): \(error)")
        }
    }
}

/// `perf record` attached to a process for the duration of one phase.
final class PerfRecorder {
    let child: ChildProcess
    let output: String

    init(pid: Int32, output: String, frequency: Int, callGraph: String, workDir: String) throws {
        self.output = output
        child = try ChildProcess(name: "perf", command: [
            "/usr/bin/perf", "record", "-F", String(frequency), "--call-graph", callGraph, "-p", String(pid), "-o", output,
        ], logPath: workDir + "/perf.log")
        // perf needs a moment to attach before the phase starts.
        usleep(400_000)
    }

    func stop() {
        child.stop(signal: SIGINT, timeout: 60)
    }
}
