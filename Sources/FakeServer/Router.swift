import Foundation
import NIOCore
import XMPPCore

/// What the router decided about a stanza a component sent.
enum ComponentStanzaVerdict: Equatable {
    case routed
    /// The stream must be closed with this stream error (RFC 6120 §4.9.3).
    case streamError(condition: StreamErrorCondition, text: String)
}

/// The routing core of the fake server, confined to its event loop.
///
/// It follows what a real server (Prosody in particular) does, simplified where the scripts and tests
/// do not care:
/// - From a client: `from` is always replaced by the client's full JID.
/// - To a component domain (any JID at it): written on that component's stream, in
///   `jabber:component:accept`; `service-unavailable` comes back when no component is connected.
/// - From a component: a `from` outside the component's domain closes the stream with `invalid-from`
///   (Prosody's behaviour); a missing `from` becomes the domain; a missing `to` closes the stream
///   with `improper-addressing`.
/// - To a local full JID: delivered when that resource is connected. When it is not: messages of
///   type normal/chat/headline go to the bare JID if the account has an available resource (RFC 6121
///   §8.5.3.2.1); everything else is bounced with `recipient-unavailable`.
/// - To a local bare JID: messages (except groupchat) go to every available resource (one that sent
///   presence), or are bounced with `service-unavailable` when there is none (no offline storage);
///   groupchat messages are bounced with `service-unavailable` (RFC 6121 §8.5.2.1.1); presence goes
///   to every available resource or is dropped; an IQ is answered by the server itself (ping gets a
///   result, anything else `service-unavailable`).
/// - To any other domain: `remote-server-not-found`.
/// - Bounces are never sent for error stanzas, IQ results or presence other than available presence,
///   so two parties can never bounce errors at each other.
/// - Presence without `to` goes to every available resource of the account, the sender's included
///   (RFC 6121 §4.2.2, §4.4.2, §4.5.2); a resource's initial presence also brings it the presence of
///   the account's other available resources, with a `<delay/>` (as Prosody sends them).
/// - Available presence a client directs at a component domain or a local account is remembered;
///   when the client disconnects or sends unavailable presence without `to`, unavailable presence
///   from its full JID is sent to each remembered target (Prosody does this).
/// - Everything runs on one event loop and every stream is written in routing order, so the stanzas
///   of one connection are never reordered.
final class Router: @unchecked Sendable {  // confined to the server loop
    let configuration: FakeServerConfiguration
    let events: EventLog
    private var components: [String: ComponentEndpoint] = [:]
    /// Every open component connection, authenticated or not (closed on shutdown).
    private var connections: [ObjectIdentifier: ComponentEndpoint] = [:]
    private var sessions: [FullJID: ClientSession] = [:]
    /// Connected resources of each account, in connection order.
    private var resources: [BareJID: [FullJID]] = [:]

    init(configuration: FakeServerConfiguration, events: EventLog) {
        self.configuration = configuration
        self.events = events
    }

    // MARK: Components

    func hasComponent(_ domain: String) -> Bool { components[domain] != nil }

    /// The connected component for `domain`, if any.
    func component(for domain: String) -> ComponentEndpoint? { components[domain] }

    func opened(connection: ComponentEndpoint) { connections[ObjectIdentifier(connection)] = connection }

    func closed(connection: ComponentEndpoint) { connections[ObjectIdentifier(connection)] = nil }

    /// Registers an authenticated component; false when one is already connected for that domain.
    func attach(component: ComponentEndpoint, domain: String) -> Bool {
        guard components[domain] == nil else { return false }
        components[domain] = component
        return true
    }

    func detach(component: ComponentEndpoint, domain: String) {
        if components[domain] === component { components[domain] = nil }
    }

    var componentEndpoints: [ComponentEndpoint] { Array(connections.values) }
    var allSessions: [ClientSession] { Array(sessions.values) }

    func removeAllSessions() {
        sessions = [:]
        resources = [:]
    }

    /// A stanza read from the authenticated component of `domain`.
    func fromComponent(domain: String, _ stanza: Element) -> ComponentStanzaVerdict {
        guard StanzaKind(rawValue: stanza.name) != nil, stanza.namespace == NS.component else {
            return .streamError(condition: .unsupportedStanzaType,
                                text: "<\(stanza.name) xmlns='\(stanza.namespace)'/> is not a stanza")
        }
        var e = stanza
        if let from = e.attribute("from") {
            guard let jid = try? JID(from), jid.domain == domain else {
                return .streamError(condition: .invalidFrom,
                                    text: "Component tried to send from address <\(from)> which is not in domain <\(domain)>")
            }
        } else {
            e.setAttribute("from", domain)
        }
        guard let toString = e.attribute("to") else {
            return .streamError(condition: .improperAddressing, text: "Stanza without a 'to' attribute")
        }
        guard let to = try? JID(toString) else {
            bounce(e, .jidMalformed)
            return .routed
        }
        route(e, to: to)
        return .routed
    }

    // MARK: Clients

    enum ConnectError: Error { case conflict }

    func connect(_ session: ClientSession) throws {
        guard sessions[session.jid] == nil else { throw ConnectError.conflict }
        sessions[session.jid] = session
        resources[session.jid.bare, default: []].append(session.jid)
        events.record(.clientConnected(jid: session.jid.description))
    }

    func disconnect(_ session: ClientSession) {
        guard session.connected else { return }
        session.connected = false
        sessions[session.jid] = nil
        resources[session.jid.bare]?.removeAll { $0 == session.jid }
        if resources[session.jid.bare]?.isEmpty == true { resources[session.jid.bare] = nil }
        sendUnavailableToDirectedTargets(of: session)
        events.record(.clientDisconnected(jid: session.jid.description))
        session.finish()
    }

    /// A stanza sent by a client.
    func fromClient(_ session: ClientSession, _ stanza: Element) {
        guard session.connected, let kind = StanzaKind(rawValue: stanza.name) else { return }
        var e = stanza
        e.setAttribute("from", session.jid.description)
        guard let toString = e.attribute("to") else {
            handleAddressedToAccount(session, e, kind: kind)
            return
        }
        guard let to = try? JID(toString) else {
            bounce(e, .jidMalformed)
            return
        }
        if kind == .presence { trackDirectedPresence(session, e, to: to) }
        route(e, to: to)
    }

    private func trackDirectedPresence(_ session: ClientSession, _ presence: Element, to: JID) {
        guard configuration.components[to.domain] != nil || to.domain == configuration.clientDomain else { return }
        switch presence.attribute("type") {
        case nil:
            if !session.directedPresence.contains(to) { session.directedPresence.append(to) }
        case "unavailable":
            session.directedPresence.removeAll { $0 == to }
        default:
            break
        }
    }

    /// A stanza without `to`: handled by the server for the sender's own account (RFC 6120 §10.3).
    private func handleAddressedToAccount(_ session: ClientSession, _ e: Element, kind: StanzaKind) {
        switch kind {
        case .presence:
            switch e.attribute("type") {
            case nil:
                let initial = !session.available
                session.available = true
                session.presence = e
                broadcastToOwnResources(session, e)
                if initial { sendOwnResourcesPresence(to: session) }
            case "unavailable":
                broadcastToOwnResources(session, e)
                session.available = false
                session.presence = nil
                sendUnavailableToDirectedTargets(of: session)
            default:
                break
            }
        case .iq:
            answerIQ(e, from: session.jid.bare.jid)
        case .message:
            route(e, to: session.jid.bare.jid)
        }
    }

    /// RFC 6121 §4.2.2, §4.4.2, §4.5.2: presence without `to` goes to every available resource of
    /// the account, the sender's own included (its copy without `to`, as Prosody sends it).
    private func broadcastToOwnResources(_ session: ClientSession, _ presence: Element) {
        for s in availableSessions(of: session.jid.bare) where s !== session {
            var copy = presence
            copy.setAttribute("to", s.jid.description)
            s.deliver(copy)
        }
        session.deliver(presence)
    }

    /// A newly available resource learns the presence of the account's other available resources,
    /// each with a `<delay/>` from the server saying when (RFC 6121 §4.2.2; Prosody adds the delay).
    private func sendOwnResourcesPresence(to session: ClientSession) {
        let stamp = Self.stampFormatter.string(from: Date())
        for s in availableSessions(of: session.jid.bare) where s !== session {
            guard var copy = s.presence else { continue }
            copy.setAttribute("to", session.jid.description)
            copy.append(Element("delay", namespace: "urn:xmpp:delay", attrs: ["from": configuration.clientDomain, "stamp": stamp]))
            session.deliver(copy)
        }
    }

    private static let stampFormatter: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f
    }()

    private func sendUnavailableToDirectedTargets(of session: ClientSession) {
        let targets = session.directedPresence
        session.directedPresence = []
        for target in targets {
            let presence = Element("presence", namespace: NS.client,
                                   attrs: ["from": session.jid.description, "to": target.description, "type": "unavailable"])
            route(presence, to: target)
        }
    }

    // MARK: Routing

    private func route(_ e: Element, to: JID) {
        if let component = components[to.domain] {
            component.write(e.movingNamespace(NS.client, to: NS.component))
        } else if configuration.components[to.domain] != nil {
            bounce(e, .serviceUnavailable)
        } else if to.domain == configuration.clientDomain {
            deliverLocally(e, to: to)
        } else {
            bounce(e, .remoteServerNotFound)
        }
    }

    private func deliverLocally(_ e: Element, to: JID) {
        guard to.localpart != nil else {
            // The server's own JID.
            if e.name == "iq" { answerIQ(e, from: to) }
            return
        }
        let type = e.attribute("type")
        if let full = to.full {
            if let session = sessions[full] {
                session.deliver(e.movingNamespace(NS.component, to: NS.client))
            } else if e.name == "message", type == nil || type == "normal" || type == "chat" || type == "headline",
                      !availableSessions(of: to.bare).isEmpty {
                deliverToBare(e, bare: to.bare)
            } else {
                bounce(e, .recipientUnavailable)
            }
            return
        }
        deliverToBare(e, bare: to.bare)
    }

    private func availableSessions(of bare: BareJID) -> [ClientSession] {
        (resources[bare] ?? []).compactMap { sessions[$0] }.filter(\.available)
    }

    private func deliverToBare(_ e: Element, bare: BareJID) {
        switch e.name {
        case "message":
            let targets = availableSessions(of: bare)
            if e.attribute("type") == "groupchat" || targets.isEmpty {
                bounce(e, .serviceUnavailable)
                return
            }
            let converted = e.movingNamespace(NS.component, to: NS.client)
            for s in targets { s.deliver(converted) }
        case "presence":
            let converted = e.movingNamespace(NS.component, to: NS.client)
            for s in availableSessions(of: bare) { s.deliver(converted) }
        default:
            answerIQ(e, from: bare.jid)
        }
    }

    /// The server answers an IQ addressed to an account or to itself: a ping gets a result,
    /// any other request `service-unavailable`; results and errors are dropped.
    private func answerIQ(_ iq: Element, from: JID) {
        let type = iq.attribute("type")
        guard type == "get" || type == "set", let requester = iq.attribute("from").flatMap({ try? JID($0) }) else { return }
        var reply: Element
        if iq.elements.first.map({ $0.name == "ping" && $0.namespace == NS.ping }) == true {
            reply = iq.iqResult()
        } else {
            reply = iq.errorReply(StanzaError(.serviceUnavailable))
        }
        reply.setAttribute("from", from.description)
        route(reply, to: requester)
    }

    /// Sends an error reply for a stanza that could not be delivered, unless the stanza is one that
    /// must never be bounced (errors, IQ results, presence other than available presence).
    private func bounce(_ e: Element, _ condition: StanzaError.Condition) {
        let type = e.attribute("type")
        switch e.name {
        case "iq": guard type == "get" || type == "set" else { return }
        case "presence": guard type == nil else { return }
        default: guard type != "error" else { return }
        }
        guard let fromString = e.attribute("from"), let sender = try? JID(fromString) else { return }
        var reply = e.errorReply(StanzaError(condition))
        if reply.attribute("from") == nil { reply.setAttribute("from", configuration.clientDomain) }
        events.record(.bounced(condition: condition.rawValue, to: fromString, original: e))
        route(reply, to: sender)
    }
}

extension Router {
    /// Ends every component stream (`system-shutdown`) and every client session, without routing
    /// anything further. Returns futures that complete when the component connections are closed.
    func shutdown() -> [EventLoopFuture<Void>] {
        var closed: [EventLoopFuture<Void>] = []
        for endpoint in componentEndpoints {
            if let future = endpoint.closeStream(condition: .systemShutdown, text: nil) { closed.append(future) }
        }
        for session in allSessions {
            session.connected = false
            session.finish()
        }
        removeAllSessions()
        return closed
    }
}
