import FakeServer
import Foundation
import XMLStream
import XMPPCore

/// A simulated client of the fake server with a buffered inbox, for runtime tests.
final class TestClient: @unchecked Sendable {
    let client: FakeClient
    private let lock = NSLock()
    private var inbox: [Element] = []

    init(server: FakeServer, jid: String, resource: String = "r") async throws {
        let box = Box()
        client = try await server.connectClient(jid, resource: resource) { e in box.client?.received(e) }
        box.client = self
    }

    final class Box: @unchecked Sendable { weak var client: TestClient? }

    var fullJID: String { client.jid.description }

    fileprivate func received(_ e: Element) { lock.withLock { inbox.append(e) } }

    /// Sends XML written in `jabber:client`.
    func send(_ xml: String) async throws {
        for e in try XMLStreamParser.parseFragment(xml, defaultNamespace: NS.client) { await client.send(e) }
    }

    /// The first buffered or arriving stanza satisfying `predicate` (earlier ones are dropped), or nil after `seconds`.
    func next(within seconds: Double = 10, _ predicate: (Element) -> Bool = { _ in true }) async -> Element? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let found: Element? = lock.withLock {
                while !inbox.isEmpty {
                    let e = inbox.removeFirst()
                    if predicate(e) { return e }
                }
                return nil
            }
            if let found { return found }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return nil
    }

    /// Every buffered or arriving stanza up to and including the first satisfying `predicate`, in
    /// order (all that arrived if none does within `seconds`).
    func collect(within seconds: Double = 10, until predicate: (Element) -> Bool) async -> [Element] {
        var seen: [Element] = []
        _ = await next(within: seconds) { e in
            seen.append(e)
            return predicate(e)
        }
        return seen
    }

    /// The reply to the IQ with this id.
    func iqReply(_ id: String) async -> Element? {
        await next { $0.name == "iq" && $0.attribute("id") == id }
    }
}
