import ScansionCore
import Component
import Logging
import MUCConfig

/// Where the service under test must connect: the fake server's component port and credentials.
public struct ServiceEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var domain: String
    public var secret: String

    public init(host: String, port: Int, domain: String, secret: String) {
        self.host = host
        self.port = port
        self.domain = domain
        self.secret = secret
    }
}

/// A started service under test.
public protocol RunningService: Sendable {
    /// Stops it and waits until it has closed its connection.
    func stop() async
}

/// Starts the service under test against an endpoint.
public typealias ServiceLauncher = @Sendable (ServiceEndpoint) async throws -> any RunningService

/// The MUC service itself, run in this process with in-memory storage.
public enum InProcessService {
    /// `launcher(logLevel:)` with the level given by name (`trace` … `critical`); nil for an unknown name.
    public static func launcher(logLevelNamed name: String) -> ServiceLauncher? {
        Logger.Level(rawValue: name.lowercased()).map { launcher(logLevel: $0) }
    }

    /// A launcher that starts `MUCComponent` with memory storage; its log goes to stderr at `logLevel`.
    /// `customize` may adjust the configuration (limits, room defaults) before start.
    public static func launcher(logLevel: Logger.Level = .critical,
                                customize: @escaping @Sendable (inout Configuration) -> Void = { _ in }) -> ServiceLauncher {
        return { endpoint in
            var configuration = Configuration()
            configuration.component.domain = endpoint.domain
            configuration.component.host = endpoint.host
            configuration.component.port = endpoint.port
            configuration.component.secret = .literal(endpoint.secret)
            configuration.component.reconnectInitialSeconds = 0.1
            configuration.component.reconnectMaxSeconds = 1
            configuration.storage.backend = .memory
            // The scripts' service admin (Fixtures/scansion/README.md), as in the interop and
            // differential runs: `admin@` the parent domain of the service.
            if let dot = endpoint.domain.firstIndex(of: ".") {
                configuration.service.admins = ["admin@" + endpoint.domain[endpoint.domain.index(after: dot)...]]
            }
            customize(&configuration)
            var logger = Logger(label: "muc-component", factory: { StreamLogHandler.standardError(label: $0) })
            logger.logLevel = logLevel
            let component = MUCComponent(configuration: configuration, secret: endpoint.secret, logger: logger)
            let task = Task<Void, Never> { _ = try? await component.run() }
            return InProcessMUCService(component: component, task: task)
        }
    }
}

final class InProcessMUCService: RunningService {
    let component: MUCComponent
    let task: Task<Void, Never>

    init(component: MUCComponent, task: Task<Void, Never>) {
        self.component = component
        self.task = task
    }

    func stop() async {
        await component.shutdown()
        await task.value
    }
}
