import ScansionCore
import FakeServer
import NIOCore

/// Runs scripts the default way: for each script a fresh fake server on an ephemeral loopback port,
/// a fresh service connected to it, then the script through the fake server's in-process clients.
public struct ScansionHarness: Sendable {
    public var options: RunOptions
    /// Domain of the simulated users.
    public var clientDomain: String
    /// The service's domain (the scripts use `conference.localhost`).
    public var componentDomain: String
    /// Starts the service under test.
    public var launcher: ServiceLauncher
    /// How long the service may take to connect and authenticate.
    public var connectTimeout: Duration
    /// Runs scripts in record mode (see `ScriptRunner`).
    public var record = false

    public init(options: RunOptions = RunOptions(), clientDomain: String = "localhost",
                componentDomain: String = "conference.localhost",
                launcher: @escaping ServiceLauncher = InProcessService.launcher(),
                connectTimeout: Duration = .seconds(10)) {
        self.options = options
        self.clientDomain = clientDomain
        self.componentDomain = componentDomain
        self.launcher = launcher
        self.connectTimeout = connectTimeout
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
        return await run(script)
    }

    /// Runs a parsed script against a fresh fake server and a fresh service.
    public func run(_ script: Script) async -> ScriptResult {
        let name = script.path ?? script.title ?? "script"
        func setupFailure(_ reason: String) -> ScriptResult {
            ScriptResult(name: name, title: script.title, failure: ScriptFailure(line: 0, step: "setup", reason: reason))
        }
        let secret = "secret-" + String(UInt64.random(in: 0 ... .max), radix: 36)
        let server = FakeServer(configuration: FakeServerConfiguration(clientDomain: clientDomain, componentDomain: componentDomain, secret: secret))
        do {
            try await server.start()
        } catch {
            return setupFailure("the fake server could not start: \(error)")
        }
        let service: any RunningService
        do {
            service = try await launcher(ServiceEndpoint(host: server.host, port: server.port, domain: componentDomain, secret: secret))
        } catch {
            await server.stop()
            return setupFailure("the service could not start: \(error)")
        }
        do {
            try await server.waitForComponentAuthenticated(domain: componentDomain, timeout: connectTimeout)
        } catch {
            await service.stop()
            await server.stop()
            let seen = server.events.map { "\($0)" }.joined(separator: ", ")
            return setupFailure("the service did not connect and authenticate within \(connectTimeout) (fake server events: \(seen.isEmpty ? "none" : seen))")
        }
        var options = options
        if options.barrierJID == nil { options.barrierJID = componentDomain }
        let result = await ScriptRunner(script: script, connector: FakeServerConnector(server: server), options: options, record: record).run()
        await service.stop()
        await server.stop()
        return result
    }
}
