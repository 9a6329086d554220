import NIOCore
import XMLStream
import XMPPCore

/// The server side of one XEP-0114 component connection: answers the stream header, checks the
/// handshake, then hands stanzas to the router and writes what the router sends to the component.
final class ComponentSessionHandler: ChannelInboundHandler, ComponentEndpoint {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case awaitingHeader
        case awaitingHandshake(domain: String, streamID: String, secret: String)
        case authenticated(domain: String)
        case closed
    }

    private let configuration: FakeServerConfiguration
    private let router: Router
    private let events: EventLog
    private let parser: XMLStreamParser
    private var phase = Phase.awaitingHeader
    private var context: ChannelHandlerContext?
    /// While a read batch is being handled, writes are flushed once at its end.
    private var inRead = false
    private var pendingFlush = false

    init(configuration: FakeServerConfiguration, router: Router, events: EventLog) {
        self.configuration = configuration
        self.router = router
        self.events = events
        self.parser = XMLStreamParser()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        router.opened(connection: self)
        events.record(.componentConnected)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        router.closed(connection: self)
        var domain: String? = nil
        if case .authenticated(let d) = phase {
            domain = d
            router.detach(component: self, domain: d)
        }
        phase = .closed
        events.record(.componentDisconnected(domain: domain))
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        inRead = true
        defer { inRead = false }
        let parsed: [XMLStreamEvent]
        do {
            parsed = try buffer.withUnsafeReadableBytes { bytes throws(XMLStreamError) in try parser.feed(bytes) }
        } catch {
            closeStream(condition: error.streamErrorCondition, text: error.description)
            return
        }
        for event in parsed {
            if case .closed = phase { return }
            handle(event)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingFlush {
            pendingFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    // MARK: Stream

    private func handle(_ event: XMLStreamEvent) {
        switch event {
        case .streamStart(let header):
            openStream(header)
        case .stanza(let element):
            handleElement(element)
        case .streamEnd:
            writeRaw(ComponentStream.end)
            phase = .closed
            context?.close(promise: nil)
        }
    }

    private func openStream(_ header: StreamHeader) {
        guard case .awaitingHeader = phase else { return }
        let domain = header.attribute("to") ?? ""
        let streamID = String(UInt64.random(in: 0 ... .max), radix: 16)
        write(bytes: Array(ComponentStream.header(from: domain.isEmpty ? nil : domain, id: streamID).utf8))
        events.record(.componentStreamOpened(domain: domain))
        guard header.element.namespace == NS.stream, header.element.name == "stream" else {
            closeStream(condition: .invalidNamespace, text: "Expected <stream xmlns='\(NS.stream)'>")
            return
        }
        guard header.defaultNamespace == NS.component else {
            closeStream(condition: .invalidNamespace, text: "Expected the default namespace \(NS.component)")
            return
        }
        guard let secret = configuration.components[domain] else {
            closeStream(condition: .hostUnknown, text: "No component is configured for '\(domain)'")
            return
        }
        phase = .awaitingHandshake(domain: domain, streamID: streamID, secret: secret)
    }

    private func handleElement(_ element: Element) {
        switch phase {
        case .awaitingHeader, .closed:
            return
        case .awaitingHandshake(let domain, let streamID, let secret):
            guard element.name == "handshake", element.namespace == NS.component else {
                closeStream(condition: .notAuthorized, text: "Expected <handshake/>, got <\(element.name)/>")
                return
            }
            let supplied = element.text.trimmingASCIIWhitespace().lowercased()
            guard supplied == FakeServer.handshakeDigest(streamID: streamID, secret: secret) else {
                events.record(.handshakeFailed(domain: domain))
                closeStream(condition: .notAuthorized, text: nil)
                return
            }
            guard router.attach(component: self, domain: domain) else {
                closeStream(condition: .conflict, text: "A component is already connected for '\(domain)'")
                return
            }
            phase = .authenticated(domain: domain)
            writeRaw("<handshake/>")
            events.record(.componentAuthenticated(domain: domain))
        case .authenticated(let domain):
            switch router.fromComponent(domain: domain, element) {
            case .routed:
                break
            case .streamError(let condition, let text):
                closeStream(condition: condition, text: text)
            }
        }
    }

    // MARK: Output

    func write(_ stanza: Element) {
        guard case .authenticated = phase else { return }
        write(bytes: Serializer.bytes(stanza, parentNamespace: NS.component))
    }

    @discardableResult
    func closeStream(condition: StreamErrorCondition, text: String?) -> EventLoopFuture<Void>? {
        guard let context else { return nil }
        if case .closed = phase { return context.channel.closeFuture }
        if case .authenticated(let domain) = phase { router.detach(component: self, domain: domain) }
        phase = .closed
        let e = Array(ComponentStream.error(condition, text: text).utf8)
        events.record(.streamErrorSent(condition: condition, text: text))
        let buffer = context.channel.allocator.buffer(bytes: e)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in context.close(promise: nil) }
        return context.channel.closeFuture
    }

    private func writeRaw(_ string: String) {
        write(bytes: Array(string.utf8))
    }

    private func write(bytes: [UInt8]) {
        guard let context else { return }
        let buffer = context.channel.allocator.buffer(bytes: bytes)
        if inRead {
            context.write(wrapOutboundOut(buffer), promise: nil)
            pendingFlush = true
        } else {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }
}
