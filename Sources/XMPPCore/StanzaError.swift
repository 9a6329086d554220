/// A stanza error (RFC 6120 §8.3): an error type, one defined condition, optional text.
public struct StanzaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// RFC 6120 §8.3.2: what the sender should do about the error.
    public enum ErrorType: String, Sendable, Hashable {
        /// Retry after providing credentials.
        case auth
        /// Do not retry (unrecoverable).
        case cancel
        /// Proceed (the condition was only a warning).
        case `continue`
        /// Retry after changing the data sent.
        case modify
        /// Retry after waiting (temporary).
        case wait
    }

    /// RFC 6120 §8.3.3: the defined conditions, each with its usual error type.
    public enum Condition: String, Sendable, Hashable, CaseIterable {
        /// The sender sent malformed XML or an unprocessable stanza (modify).
        case badRequest = "bad-request"
        /// Access cannot be granted because a resource or session already exists (cancel).
        case conflict
        /// The feature is not implemented by the recipient (cancel).
        case featureNotImplemented = "feature-not-implemented"
        /// The sender lacks the permissions needed (auth).
        case forbidden
        /// The recipient is no longer at this address (cancel; carries a new address).
        case gone
        /// The server had an internal error (cancel, or wait when temporary).
        case internalServerError = "internal-server-error"
        /// The addressed JID or item cannot be found (cancel).
        case itemNotFound = "item-not-found"
        /// The JID in the stanza is malformed (modify).
        case jidMalformed = "jid-malformed"
        /// The request does not meet criteria defined by the recipient (modify).
        case notAcceptable = "not-acceptable"
        /// The recipient does not allow this action from any entity (cancel).
        case notAllowed = "not-allowed"
        /// The sender must provide credentials (auth).
        case notAuthorized = "not-authorized"
        /// The entity has violated a local service policy (modify).
        case policyViolation = "policy-violation"
        /// The intended recipient is temporarily unavailable (wait).
        case recipientUnavailable = "recipient-unavailable"
        /// The recipient is redirecting requests elsewhere (modify).
        case redirect
        /// The requester must register first (auth).
        case registrationRequired = "registration-required"
        /// A remote server or service in the JID does not exist (cancel).
        case remoteServerNotFound = "remote-server-not-found"
        /// A remote server could not be contacted in time (wait).
        case remoteServerTimeout = "remote-server-timeout"
        /// The server or recipient is busy or lacks resources (wait).
        case resourceConstraint = "resource-constraint"
        /// The server or recipient does not provide the service (cancel).
        case serviceUnavailable = "service-unavailable"
        /// The requester must subscribe first (auth).
        case subscriptionRequired = "subscription-required"
        /// An error not defined by the other conditions (modify, by convention).
        case undefinedCondition = "undefined-condition"
        /// The request was not expected now (wait, or modify).
        case unexpectedRequest = "unexpected-request"

        /// The error type RFC 6120 §8.3.3 gives for this condition.
        public var defaultType: ErrorType {
            switch self {
            case .badRequest, .jidMalformed, .notAcceptable, .policyViolation, .redirect, .undefinedCondition: return .modify
            case .conflict, .featureNotImplemented, .gone, .internalServerError, .itemNotFound, .notAllowed,
                 .remoteServerNotFound, .serviceUnavailable: return .cancel
            case .forbidden, .notAuthorized, .registrationRequired, .subscriptionRequired: return .auth
            case .recipientUnavailable, .remoteServerTimeout, .resourceConstraint, .unexpectedRequest: return .wait
            }
        }
    }

    public var type: ErrorType
    public var condition: Condition
    /// Human-readable text, sent in `<text/>`.
    public var text: String?
    /// The `by` attribute: the entity that produced the error.
    public var by: String?
    /// Alternative address for `gone` and `redirect`.
    public var uri: String?
    /// Application-specific condition elements, kept as they are.
    public var extra: [Element]

    public init(_ condition: Condition, type: ErrorType? = nil, text: String? = nil, by: String? = nil, uri: String? = nil, extra: [Element] = []) {
        self.condition = condition
        self.type = type ?? condition.defaultType
        self.text = text
        self.by = by
        self.uri = uri
        self.extra = extra
    }

    /// Reads an `<error/>` element; nil when no defined condition is present.
    public init?(element: Element) {
        guard element.name == "error" else { return nil }
        var found: Condition? = nil
        var text: String? = nil
        var uri: String? = nil
        var extra: [Element] = []
        for child in element.elements {
            if child.namespace == NS.stanzas {
                if child.name == "text" { text = child.text }
                else if let c = Condition(rawValue: child.name), found == nil { found = c; uri = child.text.isEmpty ? nil : child.text }
            } else {
                extra.append(child)
            }
        }
        guard let condition = found else { return nil }
        self.init(condition, type: element.attribute("type").flatMap(ErrorType.init(rawValue:)), text: text,
                  by: element.attribute("by"), uri: uri, extra: extra)
    }

    /// The `<error/>` element, in the namespace of the stanza that carries it.
    public func element(stanzaNamespace: String = NS.component) -> Element {
        var e = Element("error", namespace: stanzaNamespace, attrs: ["type": type.rawValue, "by": by])
        e.append(Element.text(condition.rawValue, namespace: NS.stanzas, uri ?? ""))
        if let text { e.append(Element.text("text", namespace: NS.stanzas, text)) }
        for x in extra { e.append(x) }
        return e
    }

    public var description: String { "\(type.rawValue)/\(condition.rawValue)" + (text.map { ": \($0)" } ?? "") }
}
