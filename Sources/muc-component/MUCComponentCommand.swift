import ArgumentParser
import Component
import Foundation
import Logging
import MUCConfig
import ServiceLifecycle

/// `muc-component`: the XEP-0045 Multi-User Chat service, attached to an XMPP server as a component.
@main
struct MUCComponentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "muc-component",
        abstract: "A standalone XMPP Multi-User Chat service (XEP-0045) that attaches to an XMPP server as an external component (XEP-0114).",
        discussion: """
        Typical use:
          muc-component check-config /etc/muc-component/muc.toml
          muc-component run --config /etc/muc-component/muc.toml
          muc-component rooms list --config /etc/muc-component/muc.toml
          muc-component archive size --config /etc/muc-component/muc.toml

        The configuration file is TOML; docs/configuration.md lists every key. The XMPP server needs a
        component entry for the service's domain with the same secret (docs/deployment.md shows
        Prosody, ejabberd and Openfire). Logs go to standard error. SIGTERM or SIGINT closes the
        stream cleanly and exits.
        """,
        subcommands: [Run.self, CheckConfig.self, Migrate.self, CheckStorage.self, Rooms.self, Archive.self],
        defaultSubcommand: nil
    )
}

/// Loads and validates a configuration file, printing an actionable message on failure.
func loadConfiguration(_ path: String) throws -> (Configuration, String) {
    do {
        let configuration = try Configuration.load(path: path)
        let secret = try configuration.resolveSecret(environment: ProcessInfo.processInfo.environment)
        return (configuration, secret)
    } catch {
        FileHandle.standardError.write(Data("muc-component: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the service: connect to the XMPP server and serve rooms until SIGTERM or SIGINT.")

    @Option(name: .shortAndLong, help: "Path of the TOML configuration file.")
    var config: String

    @Option(help: "Override the log level of the file (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String?

    func run() async throws {
        let (configuration, secret) = try loadConfiguration(config)
        let levelName = logLevel ?? configuration.log.level.rawValue
        guard let level = Logger.Level(rawValue: levelName) else {
            FileHandle.standardError.write(Data("muc-component: unknown log level '\(levelName)'\n".utf8))
            throw ExitCode(2)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "muc-component")
        logger.info("starting: domain '\(configuration.component.domain)', server \(configuration.component.host):\(configuration.component.port), storage \(configuration.storage.backend.rawValue)")
        let component = MUCComponent(configuration: configuration, secret: secret, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: component, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and print the settings it results in (the secret is not printed).")

    @Argument(help: "Path of the TOML configuration file.")
    var path: String

    func run() async throws {
        // List every problem of the file at once, in file order, so one edit fixes them all.
        let problems = Configuration.diagnose(path: path)
        if !problems.isEmpty {
            for p in problems { FileHandle.standardError.write(Data("muc-component: \(p)\n".utf8)) }
            throw ExitCode(2)
        }
        let (c, _) = try loadConfiguration(path)
        print("""
        \(path): OK
          component: \(c.component.domain) via \(c.component.host):\(c.component.port)
          storage:   \(c.storage.backend.rawValue)\(c.storage.backend == .sqlite ? " at \(c.storage.path)" : "")
          log level: \(c.log.level.rawValue)
        """)
    }
}
