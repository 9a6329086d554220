/// What a `FakeServer` serves: one client domain for simulated users and the component
/// domains it accepts (XEP-0114), each with its shared secret.
public struct FakeServerConfiguration: Sendable {
    /// Domain of the simulated users (`user@localhost`).
    public var clientDomain: String
    /// Component domain → shared secret. A component asking for another domain gets `host-unknown`.
    public var components: [String: String]
    /// Interface to listen on.
    public var host: String
    /// Port to listen on; 0 picks an ephemeral one (read it back from `FakeServer.port`).
    public var port: Int

    public init(clientDomain: String = "localhost",
                components: [String: String] = ["conference.localhost": "secret"],
                host: String = "127.0.0.1", port: Int = 0) {
        self.clientDomain = clientDomain
        self.components = components
        self.host = host
        self.port = port
    }

    /// One component domain with its secret.
    public init(clientDomain: String = "localhost", componentDomain: String, secret: String,
                host: String = "127.0.0.1", port: Int = 0) {
        self.init(clientDomain: clientDomain, components: [componentDomain: secret], host: host, port: port)
    }
}
