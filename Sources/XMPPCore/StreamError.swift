/// The defined conditions of a stream error (RFC 6120 §4.9.3); the raw value is the element name
/// in `urn:ietf:params:xml:ns:xmpp-streams`.
public enum StreamErrorCondition: String, Sendable, Equatable, CaseIterable {
    /// The entity sent XML that cannot be processed.
    case badFormat = "bad-format"
    /// A namespace prefix that is not supported, or none where one is required.
    case badNamespacePrefix = "bad-namespace-prefix"
    /// A new stream conflicts with an existing one (XEP-0114: another component on the domain).
    case conflict
    /// The peer has not sent anything for too long.
    case connectionTimeout = "connection-timeout"
    /// The domain is no longer served.
    case hostGone = "host-gone"
    /// The domain is not served (XEP-0114: no component entry for it).
    case hostUnknown = "host-unknown"
    /// A stanza lacks a `to` or `from` that is required.
    case improperAddressing = "improper-addressing"
    /// The server hit a misconfiguration or an internal error.
    case internalServerError = "internal-server-error"
    /// A `from` that the sender may not use (XEP-0114: outside the component's domain).
    case invalidFrom = "invalid-from"
    /// The stream's namespace is not one the peer serves.
    case invalidNamespace = "invalid-namespace"
    /// XML that does not validate.
    case invalidXML = "invalid-xml"
    /// Not authenticated (XEP-0114: the handshake digest is wrong, so the secret is).
    case notAuthorized = "not-authorized"
    /// XML that is not well-formed.
    case notWellFormed = "not-well-formed"
    /// A local policy was broken (a size or rate limit).
    case policyViolation = "policy-violation"
    /// The server cannot reach a remote entity it needs.
    case remoteConnectionFailed = "remote-connection-failed"
    /// The stream must be renegotiated.
    case reset
    /// The server lacks the resources to serve the stream.
    case resourceConstraint = "resource-constraint"
    /// XML that RFC 6120 §11.1 forbids (comments, DOCTYPE, entities, processing instructions).
    case restrictedXML = "restricted-xml"
    /// Connect to another host instead.
    case seeOtherHost = "see-other-host"
    /// The server is shutting down.
    case systemShutdown = "system-shutdown"
    /// A condition none of the others names (also what an unknown condition is read as).
    case undefinedCondition = "undefined-condition"
    /// The stream is not in UTF-8.
    case unsupportedEncoding = "unsupported-encoding"
    /// A required stream feature is not supported.
    case unsupportedFeature = "unsupported-feature"
    /// A first-level child that is not a stanza the stream carries.
    case unsupportedStanzaType = "unsupported-stanza-type"
    /// The stream's `version` is not supported.
    case unsupportedVersion = "unsupported-version"
}

/// A `<stream:error/>` as received: its condition and optional text (RFC 6120 §4.9).
public struct StreamError: Sendable, Equatable {
    public var condition: StreamErrorCondition
    public var text: String?

    public init(_ condition: StreamErrorCondition, text: String? = nil) {
        self.condition = condition
        self.text = text
    }

    /// Reads a `<stream:error/>` element; a condition that RFC 6120 does not define is read as
    /// `undefined-condition`.
    public init(element: Element) {
        var condition = StreamErrorCondition.undefinedCondition
        var text: String? = nil
        for child in element.elements where child.namespace == NS.streams {
            if child.name == "text" { text = child.text } else { condition = StreamErrorCondition(rawValue: child.name) ?? .undefinedCondition }
        }
        self.init(condition, text: text)
    }
}

/// The stream-level bytes of the Jabber Component Protocol (XEP-0114): the one place that writes
/// a stream header, a stream error and the stream's end, for the component and for servers.
public enum ComponentStream {
    /// The stream header: the component's (`to` its domain) or a server's answer (`from` the
    /// component's domain, with a stream `id`).
    public static func header(to: String? = nil, from: String? = nil, id: String? = nil) -> String {
        var s = "<?xml version='1.0'?><stream:stream xmlns='\(NS.component)' xmlns:stream='\(NS.stream)'"
        for (name, value) in [("to", to), ("from", from), ("id", id)] {
            guard let value else { continue }
            var escaped: [UInt8] = []
            Serializer.appendEscaped(value, &escaped, attribute: true)
            s += " \(name)='" + String(decoding: escaped, as: UTF8.self) + "'"
        }
        return s + ">"
    }

    /// A stream error, then the end of the stream (RFC 6120 §4.9.1.1: the stream is closed after it).
    public static func error(_ condition: StreamErrorCondition, text: String? = nil) -> String {
        var s = "<stream:error><\(condition.rawValue) xmlns='\(NS.streams)'/>"
        if let text {
            var escaped: [UInt8] = []
            Serializer.appendEscaped(text, &escaped, attribute: false)
            s += "<text xmlns='\(NS.streams)'>" + String(decoding: escaped, as: UTF8.self) + "</text>"
        }
        return s + "</stream:error>" + end
    }

    /// The end of the stream.
    public static let end = "</stream:stream>"
}
