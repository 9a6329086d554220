import XMPPCore

/// What a `<stream:error/>` from the XMPP server means for the operator, in words they can act on.
public enum StreamErrorAdvice {
    /// A log line for the stream error (RFC 6120 §4.9.3) the server sent.
    public static func message(_ error: StreamError, domain: String, server: String) -> String {
        let detail = error.text.map { " (server said: \($0))" } ?? ""
        let advice: String
        switch error.condition {
        case .notAuthorized:
            advice = "the server refused the handshake: the component secret is wrong. Make the secret in this service's configuration equal to the one in the server's component entry for '\(domain)'"
        case .conflict:
            advice = "another component is already connected for '\(domain)' (a second instance of this service, or the server's own MUC on that domain). Stop the other instance or use another domain"
        case .hostUnknown:
            advice = "the server at \(server) has no component entry for '\(domain)'. Add one to the server's configuration (see docs/deployment.md) or fix component.domain"
        case .invalidFrom:
            advice = "the server closed the stream because a stanza's 'from' was not inside '\(domain)'. This is a bug in the service: please report it with the debug log"
        case .improperAddressing:
            advice = "the server closed the stream because a stanza lacked 'from' or 'to'. This is a bug in the service: please report it with the debug log"
        case .notWellFormed, .restrictedXML, .badFormat, .invalidXML, .invalidNamespace, .badNamespacePrefix,
             .unsupportedVersion, .unsupportedFeature, .unsupportedEncoding:
            advice = "the server could not parse what the service sent. Check that the port is the server's component port (not its client or server-to-server port)"
        case .unsupportedStanzaType:
            advice = "the server refused a stanza the service sent. This is a bug in the service: please report it with the debug log"
        case .policyViolation, .resourceConstraint:
            advice = "the server limited the connection (rate or size limits). Raise the server's limits for the component"
        case .systemShutdown:
            advice = "the server is shutting down; the service will reconnect when it is back"
        case .connectionTimeout:
            advice = "the server timed the connection out; check component.keepalive_seconds"
        case .hostGone:
            advice = "the server no longer serves '\(domain)'. Check its component entry"
        case .seeOtherHost:
            advice = "the server asked the service to connect elsewhere; update component.host and component.port"
        case .reset, .undefinedCondition, .internalServerError, .remoteConnectionFailed:
            advice = "the server reported an internal problem; the service will reconnect"
        }
        return "stream error '\(error.condition.rawValue)' from \(server): \(advice)\(detail)"
    }

    /// Conditions that end a stream in the normal course of things (a server restart): logged as
    /// warnings, not errors.
    public static func isRoutine(_ condition: StreamErrorCondition) -> Bool {
        condition == .systemShutdown || condition == .reset
    }
}
