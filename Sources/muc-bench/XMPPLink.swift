import ComponentHandshake
import NIOCore
import XMLStream
import XMPPCore

/// What a link tells its owner. Called on the link's event loop.
protocol LinkDelegate: AnyObject {
    /// The handshake is done: stanzas may flow.
    func linkReady(_ link: XMPPLink)
    /// A stanza arrived (after the handshake). `now` is the monotonic time of the read.
    func link(_ link: XMPPLink, received stanza: RawStanza, now: UInt64)
    /// The current batch of reads is handled (a good moment to send more and flush).
    func linkReadComplete(_ link: XMPPLink)
    /// The connection ended; `error` says why when it was not a clean close.
    func linkClosed(_ link: XMPPLink, error: String?)
}

/// One XEP-0114 connection, from either side:
/// - `.acceptor`: the bench plays the XMPP server; the service connects to it, and the bench checks
///   the handshake (lowercase hex SHA-1 of stream id + secret);
/// - `.connector`: the bench (or the echo component) connects to a real server's component port.
///
/// Incoming stanzas are split by `StreamScanner` (cheap byte scanning) and handed over as
/// `RawStanza` views; the control elements of the handshake are parsed with `XMLStreamParser`.
/// Output is written into `out` and flushed once per read batch or on `flush()`.
final class XMPPLink: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Role {
        case acceptor(secret: String)
        case connector(domain: String, secret: String)
    }

    enum Phase { case awaitingHeader, awaitingHandshake, ready, closed }

    let role: Role
    weak var delegate: LinkDelegate?
    private(set) var phase = Phase.awaitingHeader
    /// The component domain (the one the service announced, or ours).
    private(set) var domain = ""
    private var streamID = ""
    private let scanner = StreamScanner()
    private var context: ChannelHandlerContext?
    private var inRead = false
    /// Stanzas to send, written by the owner.
    var out: ByteBuffer
    /// When set, every received byte is also fed to the real parser, to check well-formedness.
    private var validator: XMLStreamParser?
    private(set) var validationError: String?
    private(set) var receivedBytes = 0
    private(set) var sentBytes = 0

    init(role: Role, validateXML: Bool) {
        self.role = role
        self.out = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        if validateXML { validator = XMLStreamParser(limits: XMLStreamLimits(maxStanzaBytes: 16 * 1024 * 1024)) }
        if case .connector(let d, _) = role { domain = d }
    }

    var isReady: Bool { phase == .ready }
    var channel: Channel? { context?.channel }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        out = context.channel.allocator.buffer(capacity: 64 * 1024)
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelActive(context: ChannelHandlerContext) {
        if case .connector(let d, _) = role {
            writeNow(ComponentStream.header(to: d), context: context)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let wasClosed = phase == .closed
        phase = .closed
        delegate?.linkClosed(self, error: wasClosed ? nil : "the peer closed the connection")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if phase != .closed {
            phase = .closed
            delegate?.linkClosed(self, error: "\(error)")
        }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let now = monotonicNanos()
        inRead = true
        receivedBytes += buffer.readableBytes
        buffer.withUnsafeReadableBytes { bytes in
            if let v = validator, validationError == nil {
                do { _ = try v.feed(bytes) } catch { validationError = "\(error)" }
            }
            do {
                try scanner.feed(bytes) { event, slice in handle(event, slice, now: now, context: context) }
            } catch {
                fail("cannot split the stream: \(error)", context: context)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inRead = false
        if phase == .ready { delegate?.linkReadComplete(self) }
        flush()
        context.fireChannelReadComplete()
    }

    // MARK: Stream

    private func handle(_ event: ScanEvent, _ slice: UnsafeRawBufferPointer, now: UInt64, context: ChannelHandlerContext) {
        guard phase != .closed else { return }
        switch event {
        case .header:
            let header = RawStanza(slice)
            switch role {
            case .acceptor:
                domain = header.string(header.to) ?? ""
                streamID = Self.makeStreamID()
                phase = .awaitingHandshake
                writeNow(ComponentStream.header(from: domain, id: streamID), context: context)
            case .connector(_, let secret):
                guard let id = header.string(header.id), !id.isEmpty else {
                    return fail("the server's stream header has no id", context: context)
                }
                streamID = id
                phase = .awaitingHandshake
                writeNow("<handshake>\(Self.digest(streamID: id, secret: secret))</handshake>", context: context)
            }
        case .stanza:
            if phase == .ready {
                delegate?.link(self, received: RawStanza(slice), now: now)
                return
            }
            handleControl(slice, context: context)
        case .end:
            // Answer the peer's stream end with ours, then close.
            let wasReady = phase == .ready
            phase = .closed
            writeNow(ComponentStream.end, context: context)
            delegate?.linkClosed(self, error: wasReady ? nil : "the peer ended the stream during the handshake")
            context.close(promise: nil)
        }
    }

    /// Elements before the stream is ready: the handshake, or a stream error.
    private func handleControl(_ slice: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        let text = String(decoding: slice, as: UTF8.self)
        let element: Element
        do {
            guard let e = try XMLStreamParser.parseFragment(text, defaultNamespace: NS.component, prefixes: ["stream": NS.stream]).first else {
                return fail("empty element during the handshake", context: context)
            }
            element = e
        } catch {
            return fail("unparsable element during the handshake: \(error)", context: context)
        }
        if element.name == "error" && element.namespace == NS.stream {
            let error = StreamError(element: element)
            return fail("stream error from the peer: \(error.condition.rawValue) \(error.text ?? "")", context: context)
        }
        guard element.name == "handshake", phase == .awaitingHandshake else {
            return fail("unexpected <\(element.name)/> during the handshake", context: context)
        }
        switch role {
        case .acceptor(let secret):
            let expected = Self.digest(streamID: streamID, secret: secret)
            guard element.text == expected else {
                writeNow(ComponentStream.error(.notAuthorized), context: context)
                return fail("the service's handshake is wrong (expected \(expected), got '\(element.text)'): secrets differ?", context: context)
            }
            writeNow("<handshake/>", context: context)
        case .connector:
            break
        }
        phase = .ready
        delegate?.linkReady(self)
    }

    private func fail(_ why: String, context: ChannelHandlerContext) {
        guard phase != .closed else { return }
        phase = .closed
        delegate?.linkClosed(self, error: why)
        context.close(promise: nil)
    }

    // MARK: Output

    /// Writes what `out` holds (inside a read, waits for the read batch to complete).
    func flush() {
        guard !inRead, let context, out.readableBytes > 0 else { return }
        sentBytes += out.readableBytes
        let chunk = out
        out = context.channel.allocator.buffer(capacity: Swift.max(64 * 1024, chunk.readableBytes))
        context.writeAndFlush(wrapOutboundOut(chunk), promise: nil)
    }

    /// Ends the stream and closes.
    func close() {
        guard let context else { return }
        flush()
        if phase != .closed {
            phase = .closed
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: ComponentStream.end)), promise: nil)
        }
        context.close(promise: nil)
    }

    private func writeNow(_ s: String, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: s)), promise: nil)
    }

    // MARK: Helpers

    static func digest(streamID: String, secret: String) -> String {
        componentHandshakeDigest(streamID: streamID, secret: secret)
    }

    static func escaped(_ s: String) -> String {
        var bytes: [UInt8] = []
        Serializer.appendEscaped(s, &bytes, attribute: true)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func makeStreamID() -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return String(decoding: (0..<16).map { _ in chars.randomElement()! }, as: UTF8.self)
    }
}
