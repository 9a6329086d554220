import ScansionCore
import Foundation
import NIOCore
import XMLStream
import XMPPCore

/// The parts of a script account a client log-in needs.
struct RealServerAccount: Sendable, Equatable {
    var localpart: String
    var domain: String
    var resource: String?
    var password: String

    init(_ account: ScansionAccount) throws(RealServerError) {
        var bare = Substring(account.jid)
        var resource = account.resource
        if let slash = bare.firstIndex(of: "/") {
            if resource == nil { resource = String(bare[bare.index(after: slash)...]) }
            bare = bare[..<slash]
        }
        guard let at = bare.firstIndex(of: "@") else { throw .badAccount(account.jid) }
        let local = bare[..<at]
        let domain = bare[bare.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { throw .badAccount(account.jid) }
        self.localpart = String(local)
        self.domain = String(domain)
        self.resource = (resource?.isEmpty ?? true) ? nil : resource
        self.password = account.password
    }
}

/// Namespaces of the client log-in that XMPPCore's `NS` does not name.
enum RealServerNS {
    static let session = "urn:ietf:params:xml:ns:xmpp-session"
    static let tls = "urn:ietf:params:xml:ns:xmpp-tls"
}

/// One client stream to a real server, the way a client logs in (RFC 6120): stream header in
/// `jabber:client`, SASL PLAIN over plain TCP (loopback only), stream restart, resource binding
/// (§7), session establishment when the server advertises it as required. Afterwards every
/// `jabber:client` stanza is handed to `onStanza`, in arrival order, on the channel's event loop.
///
/// Confined to its channel's event loop; `@unchecked Sendable` only so the bootstrap's initializer
/// and the client object can carry it there.
final class RealServerStreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase: String {
        case opening = "waiting for the server's stream features"
        case authenticating = "authenticating with SASL PLAIN"
        case restarted = "waiting for the stream features after authentication"
        case binding = "binding a resource"
        case session = "establishing a session"
        case ready = "logged in"
        case closing = "closing the stream"
        case closed = "closed"
    }

    static let bindID = "scansion-bind"
    static let sessionID = "scansion-session"

    let account: RealServerAccount
    let onStanza: (Element) -> Void
    private let login: EventLoopPromise<String>
    private var loginCompleted = false
    private(set) var phase = Phase.opening
    private let parser = XMLStreamParser()
    private var context: ChannelHandlerContext?
    private var boundJID = ""
    private var sessionRequired = false

    init(account: RealServerAccount, login: EventLoopPromise<String>, onStanza: @escaping (Element) -> Void) {
        self.account = account
        self.login = login
        self.onStanza = onStanza
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        openStream()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch phase {
        case .ready:
            report("the server closed the connection of \(boundJID)")
        case .opening, .authenticating, .restarted, .binding, .session:
            completeLogin(.failure(RealServerError.closedByServer(phase: phase.rawValue)))
        case .closing, .closed:
            break
        }
        phase = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(.closedByServer(phase: "\(phase.rawValue): \(error)"))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let events: [XMLStreamEvent]
        do {
            events = try buffer.withUnsafeReadableBytes { try parser.feed($0) }
        } catch {
            fail(.malformed("\(error)"))
            return
        }
        for event in events {
            // A stream restart or a failure makes the rest of this batch meaningless.
            let before = phase
            handle(event)
            if phase == .closed || (before == .authenticating && phase == .restarted) { break }
        }
    }

    // MARK: Called by the client and the connector (on the event loop)

    /// The log-in took too long.
    func timeOut() {
        guard !loginCompleted else { return }
        fail(.timedOut(phase: phase.rawValue))
    }

    /// Sends one stanza, unqualified (it inherits the stream's `jabber:client`).
    func write(_ stanza: Element) -> EventLoopFuture<Void>? {
        guard let context, phase == .ready else { return nil }
        return writeBytes(Serializer.bytes(stanza, parentNamespace: NS.client), context)
    }

    /// Ends the stream; the connection closes when the server answers with its own stream end, or
    /// after `timeout`.
    func closeStream(timeout: TimeAmount) {
        guard let context else { return }
        switch phase {
        case .closing, .closed:
            return
        case .opening, .authenticating, .restarted, .binding, .session, .ready:
            phase = .closing
            _ = writeBytes(Array("</stream:stream>".utf8), context)
            context.eventLoop.scheduleTask(in: timeout) { [weak self] in
                self?.context?.close(promise: nil)
            }
        }
    }

    // MARK: The log-in

    private func handle(_ event: XMLStreamEvent) {
        switch event {
        case .streamStart(let header):
            guard header.element.name == "stream", header.element.namespace == NS.stream,
                  header.defaultNamespace == NS.client else {
                fail(.unexpected(phase: phase.rawValue, element: "stream header <\(header.element.name) xmlns='\(header.element.namespace)'> with default namespace '\(header.defaultNamespace)'"))
                return
            }
        case .streamEnd:
            if phase == .closing {
                phase = .closed
                context?.close(promise: nil)
            } else {
                fail(.closedByServer(phase: phase.rawValue))
            }
        case .stanza(let element):
            if element.name == "error", element.namespace == NS.stream {
                let error = StreamError(element: element)
                fail(.streamError(condition: error.condition, text: error.text))
                return
            }
            handle(element)
        }
    }

    private func handle(_ element: Element) {
        switch phase {
        case .opening:
            guard isFeatures(element) else { return }
            if let tls = element.child("starttls", namespace: RealServerNS.tls), tls.child("required", namespace: RealServerNS.tls) != nil {
                fail(.tlsRequired)
                return
            }
            let offered = element.child("mechanisms", namespace: NS.sasl)?
                .children("mechanism", namespace: NS.sasl).map { $0.text.realServerTrimmed } ?? []
            guard offered.contains("PLAIN") else {
                fail(.noPlainMechanism(offered: offered))
                return
            }
            // PLAIN (RFC 4616): empty authorization identity, NUL, user, NUL, password.
            var message: [UInt8] = [0]
            message += Array(account.localpart.utf8)
            message.append(0)
            message += Array(account.password.utf8)
            let auth = Element.text("auth", namespace: NS.sasl, Data(message).base64EncodedString())
            var withMechanism = auth
            withMechanism.setAttribute("mechanism", "PLAIN")
            phase = .authenticating
            send(withMechanism)

        case .authenticating:
            guard element.namespace == NS.sasl else { return }
            switch element.name {
            case "success":
                // Stream restart (RFC 6120 §6.4.6): a new stream on the same connection, new parser.
                parser.reset()
                phase = .restarted
                openStream()
            case "failure":
                let condition = element.elements.first { $0.name != "text" }?.name ?? "not-authorized"
                fail(.authenticationFailed(condition: condition, text: element.childText("text", namespace: NS.sasl)))
            default:
                fail(.unexpected(phase: phase.rawValue, element: Serializer.string(element, parentNamespace: NS.client)))
            }

        case .restarted:
            guard isFeatures(element) else { return }
            guard element.child("bind", namespace: NS.bind) != nil else {
                fail(.bindingNotOffered)
                return
            }
            if let session = element.child("session", namespace: RealServerNS.session) {
                sessionRequired = session.child("optional", namespace: RealServerNS.session) == nil
            }
            var bind = Element("bind", namespace: NS.bind)
            if let resource = account.resource { bind.append(.text("resource", namespace: NS.bind, resource)) }
            phase = .binding
            send(Element("iq", namespace: NS.client, attrs: ["type": "set", "id": Self.bindID], children: [bind]))

        case .binding:
            guard element.name == "iq", element.attribute("id") == Self.bindID else { return }
            guard element.attribute("type") == "result" else {
                fail(.bindFailed(condition: Self.stanzaErrorCondition(element)))
                return
            }
            let jid = element.child("bind", namespace: NS.bind)?.childText("jid", namespace: NS.bind)?.realServerTrimmed ?? ""
            guard jid.contains("/") else {
                fail(.unexpected(phase: phase.rawValue, element: Serializer.string(element, parentNamespace: NS.client)))
                return
            }
            boundJID = jid
            if sessionRequired {
                phase = .session
                send(Element("iq", namespace: NS.client, attrs: ["type": "set", "id": Self.sessionID],
                             children: [Element("session", namespace: RealServerNS.session)]))
            } else {
                becomeReady()
            }

        case .session:
            guard element.name == "iq", element.attribute("id") == Self.sessionID else { return }
            guard element.attribute("type") == "result" else {
                fail(.sessionFailed(condition: Self.stanzaErrorCondition(element)))
                return
            }
            becomeReady()

        case .ready:
            // Handed over as the server delivered it: what servers add (Prosody stamps `xml:lang` on
            // stanzas, for one) only ever adds attributes to the stanza element, which the
            // matcher's loose rule for `jabber:client` elements ignores.
            guard element.namespace == NS.client else { return }
            onStanza(element)

        case .closing, .closed:
            return
        }
    }

    private func becomeReady() {
        phase = .ready
        completeLogin(.success(boundJID))
    }

    private func isFeatures(_ element: Element) -> Bool {
        element.name == "features" && element.namespace == NS.stream
    }

    static func stanzaErrorCondition(_ element: Element) -> String {
        element.child("error", namespace: NS.client)?.elements.first { $0.namespace == NS.stanzas && $0.name != "text" }?.name
            ?? "undefined-condition"
    }

    // MARK: Output

    private func openStream() {
        guard let context else { return }
        var header: [UInt8] = Array("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0' to='".utf8)
        Serializer.appendEscaped(account.domain, &header, attribute: true)
        header += Array("'>".utf8)
        _ = writeBytes(header, context)
    }

    private func send(_ element: Element) {
        guard let context else { return }
        _ = writeBytes(Serializer.bytes(element, parentNamespace: NS.client), context)
    }

    private func writeBytes(_ bytes: [UInt8], _ context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return context.writeAndFlush(wrapOutboundOut(buffer))
    }

    // MARK: Failure

    private func fail(_ error: RealServerError) {
        if phase == .ready { report("\(boundJID): \(error)") }
        completeLogin(.failure(error))
        let wasClosed = phase == .closed
        phase = .closed
        if !wasClosed { context?.close(promise: nil) }
    }

    private func completeLogin(_ result: Result<String, Error>) {
        guard !loginCompleted else { return }
        loginCompleted = true
        login.completeWith(result)
    }

    /// Problems after log-in have no caller to go to: they are written to standard error, where
    /// they explain a following receive timeout.
    private func report(_ line: String) {
        FileHandle.standardError.write(Data("scansion real-server client: \(line)\n".utf8))
    }
}

extension String {
    /// Without leading and trailing XML whitespace.
    fileprivate var realServerTrimmed: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first ... last])
    }
}
