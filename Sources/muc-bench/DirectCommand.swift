import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `muc-bench direct`: the bench is the XMPP server; the service connects to it.
struct DirectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "direct",
        abstract: "Start muc-component against the bench playing the XMPP server, and load it directly.")

    @OptionGroup var load: LoadOptions

    @Option(help: "The muc-component binary.")
    var service = ".build/release/muc-component"
    @Option(help: "Port to listen on for the service's component connection (0 = any free one).")
    var port = 0
    @Option(help: "The service's component domain.")
    var domain = "conference.localhost"
    @Option(help: "The component secret.")
    var secret = "bench-secret"
    @Option(name: .customLong("service-log-level"), help: "Log level of the service.")
    var serviceLogLevel = "warning"
    @Option(name: .customLong("service-storage"), help: "The service's storage: memory, or sqlite (a new file in the work directory).")
    var serviceStorage = "memory"
    @Option(name: .customLong("service-archive"), help: "Whether the service's rooms may archive: on or off (only persistent rooms do: --room-form muc#roomconfig_persistentroom=1).")
    var serviceArchive = "on"
    @Option(name: .customLong("service-wrapper"), help: "A command to run the service under, e.g. 'valgrind --tool=callgrind --callgrind-out-file=cg.out'.")
    var serviceWrapper: String?
    @Flag(name: .customLong("no-spawn"), help: "Do not start the service: wait for one to connect (use --port and --service-pid).")
    var noSpawn = false
    @Option(name: .customLong("service-pid"), help: "With --no-spawn: the pid of the service to measure.")
    var servicePid: Int32?
    @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for the service's handshake.")
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
        let workDir = try load.makeWorkDir()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let engine = LoadEngine(loop: loop, scenario: scenario,
                                naming: Naming(userDomain: "localhost", mucDomain: domain, roomPrefix: ""),
                                probeFrom: "localhost")
        engine.traceLeft = load.trace
        let validate = load.validateXML
        let secret = self.secret
        let listener = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 8)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Sockets.receiveBuffer))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // One service connection per run; a second one (a reconnect) is refused.
                    guard engine.link == nil else {
                        channel.close(promise: nil)
                        return
                    }
                    let link = XMPPLink(role: .acceptor(secret: secret), validateXML: validate)
                    engine.attach(link)
                    try channel.pipeline.syncOperations.addHandler(link)
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        defer { listener.close(promise: nil) }
        guard let boundPort = listener.localAddress?.port else { throw BenchError.setup("no listening port") }

        var child: ChildProcess?
        var pid: Int32? = servicePid
        if !noSpawn {
            let config = workDir + "/muc-component.toml"
            guard ["memory", "sqlite"].contains(serviceStorage), ["on", "off"].contains(serviceArchive) else {
                throw BenchError.setup("--service-storage is memory or sqlite, --service-archive on or off")
            }
            let sqlitePath = workDir + "/muc-\(UInt32.random(in: 0...UInt32.max)).sqlite"
            try ServiceConfig.write(to: config, domain: domain, host: "127.0.0.1", port: boundPort, secret: secret, logLevel: serviceLogLevel,
                                    storage: serviceStorage, sqlitePath: sqlitePath, archive: serviceArchive == "on")
            guard FileManager.default.isExecutableFile(atPath: service) else {
                throw BenchError.setup("no service binary at \(service) (build it: swift build -c release --product muc-component)")
            }
            var command = (serviceWrapper ?? "").split(separator: " ").map(String.init)
            command += [service, "run", "--config", config]
            child = try ChildProcess(name: "muc-component", command: command, logPath: workDir + "/muc-component.log")
            pid = child?.pid
        } else if !load.quiet {
            print("waiting for a service on 127.0.0.1:\(boundPort) (secret '\(secret)')")
        }
        defer { child?.stop() }

        try waitUntil(loop, timeout: connectTimeout, what: "the service's handshake", alive: {
            if let c = child, !c.isRunning { return "the service exited before connecting:\n\(c.logTail())" }
            return nil
        }) { engine.link?.isReady == true || engine.closedError != nil }
        if let e = try loop.submit({ engine.closedError }).wait() {
            throw BenchError.setup("the service's connection failed: \(e)\n\(child?.logTail() ?? "")")
        }

        var processes: [MeasuredProcess] = []
        if let pid { processes.append(MeasuredProcess(label: "service", probe: ProcessProbe(pid: pid, name: "muc-component"))) }
        let setup: [(String, JSON)] = [
            ("service_binary", .string(noSpawn ? "external" : service)),
            ("service_pid", pid.map { JSON.int(Int($0)) } ?? .null),
            ("port", .int(boundPort)),
        ]
        return try runAndReport(engine: engine, load: load, scenario: scenario, mode: "direct",
                                target: load.label ?? "service", processes: processes, primary: "service",
                                workDir: workDir, setup: setup) {
            // Stop the service before closing our end, so it does not reconnect; report how it exited.
            var extra: [(String, JSON)] = []
            if let c = child {
                let status = c.stop()
                extra.append(("service_exit_status", .int(Int(status))))
                let tail = c.logTail(lines: 5)
                if !tail.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    extra.append(("service_log_tail", .string(tail)))
                }
            }
            _ = try? engine.close().wait()
            return extra
        }
    }
}
