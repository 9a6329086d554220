import ScansionCore
import FakeServer
import XMPPCore

/// Logs script clients in to a `FakeServer` as in-process clients.
public struct FakeServerConnector: ScansionConnector {
    public let server: FakeServer

    public init(server: FakeServer) { self.server = server }

    public func connect(_ account: ScansionAccount, onStanza: @escaping @Sendable (Element) -> Void) async throws -> any ScansionClient {
        let client = try await server.connectClient(account.jid, resource: account.resource, onStanza: onStanza)
        return FakeServerClient(client: client)
    }
}

/// A `FakeClient` seen as a `ScansionClient`.
final class FakeServerClient: ScansionClient {
    let client: FakeClient

    init(client: FakeClient) { self.client = client }

    var fullJID: String { client.jid.description }

    func send(_ stanza: Element) async throws { await client.send(stanza) }

    func disconnect() async { await client.disconnect() }
}
