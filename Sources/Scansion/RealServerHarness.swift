import ScansionCore

/// Runs scripts through a real XMPP server that the service under test is already attached to:
/// the script's clients log in over the server's client port (see `RealServerConnector`). Starting
/// the server and a fresh service per script is the caller's job (scripts/interop/run.sh).
public struct RealServerHarness: Sendable {
    public var connector: RealServerConnector
    public var options: RunOptions
    /// Called as each step starts (see `ScriptRunner.onStep`).
    public var onStep: (@Sendable (Step) -> Void)?
    /// Runs scripts in record mode (see `ScriptRunner`).
    public var record = false

    public init(connector: RealServerConnector, options: RunOptions = RunOptions(), onStep: (@Sendable (Step) -> Void)? = nil) {
        self.connector = connector
        self.options = options
        self.onStep = onStep
    }

    /// Reads and runs a script file; a script that cannot be read fails at the offending line.
    public func run(file path: String) async -> ScriptResult {
        let script: Script
        do {
            script = try ScriptParser.parse(contentsOfFile: path)
        } catch let error as ScriptParseError {
            return ScriptResult(name: path, title: nil, failure: ScriptFailure(line: error.line, step: "parse", reason: error.message))
        } catch {
            return ScriptResult(name: path, title: nil, failure: ScriptFailure(line: 0, step: "read", reason: "\(error)"))
        }
        let runner = ScriptRunner(script: script, connector: connector, options: options, record: record)
        runner.onStep = onStep
        return await runner.run()
    }

    /// Parses `host:port` (`[v6]:port` for an IPv6 literal).
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }
}
