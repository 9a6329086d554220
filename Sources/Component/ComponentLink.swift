import ComponentHandshake
import Logging
import NIOCore
import XMLStream
import XMPPCore

/// Events the link reports to the runtime that owns it. Called on the channel's event loop.
protocol ComponentLinkDelegate: AnyObject {
    /// The handshake succeeded: stanzas may flow.
    func linkReady(_ link: ComponentLink)
    /// A stanza arrived on a ready link.
    func link(_ link: ComponentLink, received stanza: Element)
    /// Whether the service takes more stanzas now (false while too much input waits for storage).
    var acceptsInput: Bool { get }
    /// The server sent a stream error (already logged).
    func link(_ link: ComponentLink, streamError condition: StreamErrorCondition)
    /// The TCP connection closed.
    func linkClosed(_ link: ComponentLink)
}

/// One connection to the XMPP server speaking XEP-0114 (the Jabber Component Protocol):
/// opens the `jabber:component:accept` stream, answers the handshake, then exchanges stanzas.
///
/// Back-pressure: one stanza in can mean thousands out (a message to a big room). When the
/// server does not read fast enough, NIO's outbound buffer passes its high-water mark and the
/// channel becomes unwritable; the link then stops handing stanzas to the service (what was
/// already read waits in `backlog`) and stops reading from the socket, so the server's own
/// buffers fill and it slows its senders. It resumes once the buffer falls below the low-water
/// mark. The same pause applies while the delegate cannot take input (`acceptsInput`).
final class ComponentLink: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Phases of the stream, in order.
    enum Phase: Equatable {
        /// Our stream header is sent; waiting for the server's, which carries the stream id.
        case awaitingHeader
        /// Our handshake is sent; waiting for `<handshake/>` or a stream error.
        case awaitingHandshakeResult
        /// Authenticated: stanzas flow both ways.
        case ready
        /// We or the server ended the stream.
        case closed
    }

    let domain: String
    let secret: String
    let serverDescription: String
    let logger: Logger
    weak var delegate: ComponentLinkDelegate?
    private(set) var phase: Phase = .awaitingHeader
    private let parser: XMLStreamParser
    private var context: ChannelHandlerContext?
    private(set) var outbox: Outbox
    private var inRead = false
    /// Parsed events not yet handled (only while paused by back-pressure), in order.
    private var backlog: [XMLStreamEvent] = []
    private var backlogHead = 0
    /// A read was asked for while paused: forwarded when the pause ends.
    private var readPending = false
    /// Set while `drainBacklog` runs: a writability change during one of its writes must not re-enter it.
    private var draining = false

    init(domain: String, secret: String, serverDescription: String, limits: XMLStreamLimits, logger: Logger, delegate: ComponentLinkDelegate?) {
        self.domain = domain
        self.secret = secret
        self.serverDescription = serverDescription
        self.logger = logger
        self.delegate = delegate
        self.parser = XMLStreamParser(limits: limits)
        self.outbox = Outbox(allocator: ByteBufferAllocator())
    }

    var isReady: Bool { phase == .ready }
    /// Reads start at 64 KiB (NIO's default starts at 2 KiB and grows slowly): under load the
    /// server sends many stanzas at once, and handling them in one read batch means one write of
    /// all their output, which the server then reads in fewer, larger chunks.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 4096, initial: 64 * 1024, maximum: 256 * 1024)
    /// NIO's outbound buffer limits (see the type's comment): above `high` the link pauses, below
    /// `low` it resumes. A few flushes' worth: enough to keep the socket busy, small enough that
    /// a slow server cannot make the service buffer gigabytes.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 256 * 1024, high: 1024 * 1024)
    /// Set when the service itself ends the stream (no "lost the connection" warning then).
    var closingOnPurpose = false
    var channel: Channel? { context?.channel }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        outbox = Outbox(allocator: context.channel.allocator)
        outbox.spill = { [unowned self] chunk in
            self.context?.writeAndFlush(self.wrapOutboundOut(chunk), promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        // A graceful close asked for before the handler had a channel (the service stopping while
        // the TCP connection was being made): nothing to say yet, so close at once, or the
        // connection would stay open with nobody left to close it.
        if closingOnPurpose {
            phase = .closed
            context.close(promise: nil)
            return
        }
        let header = context.channel.allocator.buffer(string: ComponentStream.header(to: domain))
        context.writeAndFlush(wrapOutboundOut(header), promise: nil)
        logger.debug("stream header sent", metadata: ["server": "\(serverDescription)"])
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        inRead = true
        let events: [XMLStreamEvent]
        do {
            events = try bytes.withUnsafeReadableBytes { ptr throws(XMLStreamError) in try parser.feed(ptr) }
        } catch {
            logger.error("the server sent XML the service cannot parse: \(error); closing the connection")
            closeWithStreamError(condition: error.streamErrorCondition, context: context)
            inRead = false
            return
        }
        backlog.append(contentsOf: events)
        drainBacklog(context: context)
    }

    /// Handles waiting events in order while the channel is writable and the delegate takes input.
    private func drainBacklog(context: ChannelHandlerContext) {
        guard !draining else { return }
        draining = true
        defer { draining = false }
        while backlogHead < backlog.count && phase != .closed {
            if phase == .ready && !(context.channel.isWritable && (delegate?.acceptsInput ?? true)) { break }
            let event = backlog[backlogHead]
            backlogHead += 1
            // A big room filling up can produce megabytes in one read batch: the outbox writes
            // them out in chunks as they come instead of holding everything until the batch ends
            // (this is also what makes the channel unwritable, and so pauses the loop, when the
            // server falls behind).
            handle(event, context: context)
        }
        if backlogHead == backlog.count || phase == .closed {
            backlog.removeAll(keepingCapacity: backlog.capacity <= 1024)
            backlogHead = 0
        }
    }

    /// Whether reading must wait: events are still waiting, or the output is backed up.
    private var isPaused: Bool {
        backlogHead < backlog.count || (phase == .ready && context.map { !$0.channel.isWritable } ?? false)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inRead = false
        flush()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if isPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { resumeInput() }
        context.fireChannelWritabilityChanged()
    }

    /// Handles what waits and reads again, if nothing holds the link back any more (called when
    /// the output drained, and by the runtime when the service takes input again).
    func resumeInput() {
        guard let context, !inRead, !draining else { return }
        drainBacklog(context: context)
        flush()
        if readPending && !isPaused {
            readPending = false
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        phase = .closed
        delegate?.linkClosed(self)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.warning("connection to the XMPP server at \(serverDescription) failed: \(error)")
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .write, phase == .ready {
            // Whitespace keepalive (RFC 6120 §4.6.1): keeps NATs and the server's idle timers happy.
            var space = context.channel.allocator.buffer(capacity: 1)
            space.writeInteger(UInt8(ascii: " "))
            context.writeAndFlush(wrapOutboundOut(space), promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Stream events

    private func handle(_ event: XMLStreamEvent, context: ChannelHandlerContext) {
        switch event {
        case .streamStart(let header):
            guard phase == .awaitingHeader else { return }
            guard let id = header.attribute("id"), !id.isEmpty else {
                logger.error("the server at \(serverDescription) opened a stream without an id; is this an XMPP server's component port?")
                closeWithStreamError(condition: .invalidXML, context: context)
                return
            }
            var handshake = Element("handshake", namespace: NS.component)
            handshake.append(text: componentHandshakeDigest(streamID: id, secret: secret))
            phase = .awaitingHandshakeResult
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: Serializer.bytes(handshake))), promise: nil)
        case .stanza(let element):
            if element.name == "error" && element.namespace == NS.stream {
                handleStreamError(element, context: context)
                return
            }
            switch phase {
            case .awaitingHandshakeResult:
                if element.name == "handshake" {
                    phase = .ready
                    logger.info("connected to the XMPP server at \(serverDescription) as '\(domain)'")
                    delegate?.linkReady(self)
                } else {
                    logger.error("the server sent <\(element.name)/> before accepting the handshake; closing")
                    closeWithStreamError(condition: .notAuthorized, context: context)
                }
            case .ready:
                delegate?.link(self, received: element)
            case .awaitingHeader, .closed:
                break
            }
        case .streamEnd:
            logger.info("the XMPP server at \(serverDescription) closed the stream")
            close(context: context)
        }
    }

    private func handleStreamError(_ element: Element, context: ChannelHandlerContext) {
        let error = StreamError(element: element)
        let line = StreamErrorAdvice.message(error, domain: domain, server: serverDescription)
        if StreamErrorAdvice.isRoutine(error.condition) {
            logger.warning("\(line)")
        } else {
            logger.error("\(line)")
        }
        delegate?.link(self, streamError: error.condition)
        close(context: context)
    }

    // MARK: Output

    /// Writes what the outbox holds; inside a read this waits for the read batch to complete.
    func flush() {
        guard !inRead, let context, let bytes = outbox.take() else { return }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }

    /// Ends the stream politely and closes once the server has answered (or after `timeout`).
    func closeGracefully(timeout: TimeAmount) {
        closingOnPurpose = true
        guard let context else { return }
        flush()
        if phase != .closed {
            phase = .closed
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: ComponentStream.end)), promise: nil)
        }
        let channel = context.channel
        channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func closeWithStreamError(condition: StreamErrorCondition, context: ChannelHandlerContext) {
        phase = .closed
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: ComponentStream.error(condition))), promise: nil)
        context.close(promise: nil)
    }

    private func close(context: ChannelHandlerContext) {
        if phase != .closed {
            phase = .closed
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: ComponentStream.end)), promise: nil)
        }
        context.close(promise: nil)
    }
}
