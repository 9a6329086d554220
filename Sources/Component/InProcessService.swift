import Logging
import MUCConfig
import NIOCore
import XMPPCore

/// The production router (MUC service machine, action runtime, serialization) without a network:
/// stanzas in, the bytes the service would write out. For tools that measure the service's own
/// cost without sockets and XML parsing (`muc-bench machine`). Memory storage only.
public final class InProcessService {
    private let router: MUCRouter
    private let outbox = Outbox(allocator: ByteBufferAllocator())

    /// - Parameter secret: stands for the component secret (occupant ids are keyed from it).
    public init(configuration: Configuration, secret: String) {
        router = MUCRouter(configuration: configuration, secret: secret, store: nil, host: nil,
                           logger: Logger(label: "in-process"))
    }

    /// Handles one stanza as if the server had sent it; what the service answers waits in the outbox.
    public func process(_ stanza: Element, now: Double) {
        router.process(stanza, now: now, out: outbox)
    }

    /// Receives each full chunk of output as it is made, as the network link would (a big join
    /// makes megabytes); without one, everything waits for `take()`.
    public var onChunk: ((ByteBuffer) -> Void)? {
        get { outbox.spill }
        set { outbox.spill = newValue }
    }

    /// Stanzas written since the last `take()`.
    public var pendingStanzas: Int { outbox.stanzaCount }

    /// Takes what the service wrote since the last call.
    public func take() -> ByteBuffer? { outbox.take() }
}
