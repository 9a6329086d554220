import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `muc-bench server`: attach to a real server as a component and load the MUC it routes to.
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Attach to an XMPP server's component port and load a MUC domain through it.")

    @OptionGroup var load: LoadOptions

    @Option(help: "The server's component host.")
    var host = "127.0.0.1"
    @Option(help: "The server's component port.")
    var port = 5347
    @Option(help: "The bench's own component domain (its simulated users live there).")
    var domain = "load.localhost"
    @Option(help: "The secret of the bench's component domain.")
    var secret = "bench-secret"
    @Option(help: "The MUC domain to load (the server's own MUC, muc-component's or the echo component's).")
    var muc = "conference.localhost"
    @Option(name: .customLong("room-prefix"), help: "Prefix of room names (default: unique per run).")
    var roomPrefix: String?
    @Option(name: .customLong("server-pid"), help: "Pid of the server process, to measure its CPU and memory.")
    var serverPid: Int32?
    @Option(name: .customLong("server-pid-file"), help: "A file holding the server's pid.")
    var serverPidFile: String?
    @Option(name: .customLong("service-pid"), help: "Pid of the MUC component attached to the server (if already running).")
    var servicePid: Int32?
    @Flag(name: .customLong("spawn-service"), help: "Start muc-component attached to the server as the MUC domain.")
    var spawnService = false
    @Flag(name: .customLong("spawn-echo"), help: "Start the echo component attached to the server as the MUC domain.")
    var spawnEcho = false
    @Flag(name: .customLong("echo-ids"), help: "With --spawn-echo: the echo adds occupant and stanza ids like muc-component.")
    var echoIDs = false
    @Option(help: "The muc-component binary (with --spawn-service).")
    var service = ".build/release/muc-component"
    @Option(name: .customLong("service-secret"), help: "Secret of the MUC domain's component entry (with --spawn-service or --spawn-echo).")
    var serviceSecret = "bench-secret"
    @Option(name: .customLong("service-port"), help: "Component port for the spawned component (default: --port).")
    var servicePort: Int?
    @Option(name: .customLong("service-log-level"), help: "Log level of the spawned service.")
    var serviceLogLevel = "warning"
    @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for the connection and the MUC domain to answer.")
    var connectTimeout = 60.0

    func run() throws {
        let code: Int32
        do {
            code = try execute()
        } catch let e as ValidationError {
            throw e
        } catch {
            progress("muc-bench: \(error)")
            throw ExitCode(2)
        }
        throw ExitCode(code)
    }

    private func execute() throws -> Int32 {
        let scenario = try load.scenario()
        guard !(spawnService && spawnEcho) else { throw ValidationError("--spawn-service and --spawn-echo exclude each other") }
        let workDir = try load.makeWorkDir()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let prefix = roomPrefix ?? "b\(getpid())t\(Int(Date().timeIntervalSince1970) % 100000)"
        let engine = LoadEngine(loop: loop, scenario: scenario,
                                naming: Naming(userDomain: domain, mucDomain: muc, roomPrefix: prefix),
                                probeFrom: domain)
        engine.traceLeft = load.trace
        let link = XMPPLink(role: .connector(domain: domain, secret: secret), validateXML: load.validateXML)
        let channel: Channel
        do {
            channel = try ClientBootstrap(group: group)
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Sockets.receiveBuffer))
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        engine.attach(link)
                        try channel.pipeline.syncOperations.addHandler(link)
                    }
                }
                .connect(host: host, port: port).wait()
        } catch {
            throw BenchError.setup("cannot connect to the server's component port \(host):\(port): \(error)")
        }
        defer { channel.close(promise: nil) }
        try waitUntil(loop, timeout: connectTimeout, what: "the server's handshake", alive: { nil }) {
            link.isReady || engine.closedError != nil
        }
        if let e = try loop.submit({ engine.closedError }).wait() {
            throw BenchError.setup("the component connection to \(host):\(port) as '\(domain)' failed: \(e)")
        }

        var child: ChildProcess?
        if spawnService || spawnEcho {
            let p = servicePort ?? port
            if spawnService {
                guard FileManager.default.isExecutableFile(atPath: service) else {
                    throw BenchError.setup("no service binary at \(service)")
                }
                let config = workDir + "/muc-component.toml"
                try ServiceConfig.write(to: config, domain: muc, host: host, port: p, secret: serviceSecret, logLevel: serviceLogLevel)
                child = try ChildProcess(name: "muc-component", command: [service, "run", "--config", config],
                                         logPath: workDir + "/muc-component.log")
            } else {
                child = try ChildProcess(name: "echo", command: [selfExecutable(), "echo", "--host", host, "--port", String(p),
                                                                 "--domain", muc, "--secret", serviceSecret] + (echoIDs ? ["--ids"] : []),
                                         logPath: workDir + "/echo.log")
            }
        }
        defer { child?.stop() }

        // The MUC domain is ready when it answers disco#info (a component not yet attached is an error).
        let probed = engine.probe(muc)
        do {
            try waitUntil(loop, timeout: connectTimeout, what: "an answer from \(muc)", alive: {
                if let c = child, !c.isRunning { return "\(c.name) exited:\n\(c.logTail())" }
                return nil
            }) { engine.probePromise == nil }
            try probed.wait()
        } catch {
            let last = try? loop.submit { engine.probeLastError }.wait()
            throw BenchError.setup("\(muc) did not answer through the server: \(error)\(last.flatMap { $0 }.map { "; last answer: \($0)" } ?? "")\n\(child?.logTail() ?? "")")
        }

        var processes: [MeasuredProcess] = []
        var serverPID = serverPid
        if serverPID == nil, let file = serverPidFile, let text = try? String(contentsOfFile: file, encoding: .utf8) {
            serverPID = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if let s = serverPID { processes.append(MeasuredProcess(label: "server", probe: ProcessProbe(pid: s, name: "server"))) }
        let componentPID = child?.pid ?? servicePid
        let componentLabel = spawnEcho ? "echo" : "service"
        if let c = componentPID { processes.append(MeasuredProcess(label: componentLabel, probe: ProcessProbe(pid: c, name: componentLabel))) }
        let setup: [(String, JSON)] = [
            ("server", .string("\(host):\(port)")),
            ("muc_domain", .string(muc)),
            ("room_prefix", .string(prefix)),
            ("server_pid", serverPID.map { JSON.int(Int($0)) } ?? .null),
            ("component_pid", componentPID.map { JSON.int(Int($0)) } ?? .null),
        ]
        return try runAndReport(engine: engine, load: load, scenario: scenario, mode: "server",
                                target: load.label ?? muc, processes: processes,
                                primary: serverPID != nil ? "server" : componentLabel,
                                workDir: workDir, setup: setup) {
            var extra: [(String, JSON)] = []
            if let c = child {
                extra.append(("component_exit_status", .int(Int(c.stop()))))
            }
            _ = try? engine.close().wait()
            return extra
        }
    }
}
