/// What a `<stream:error/>` from the XMPP server means for the operator, in words they can act on.
public enum StreamErrorAdvice {
    /// A log line for the stream error condition (RFC 6120 §4.9.3) the server sent.
    public static func message(condition: String, text: String?, domain: String, server: String) -> String {
        let detail = text.map { " (server said: \($0))" } ?? ""
        let advice: String
        switch condition {
        case "not-authorized":
            advice = "the server refused the handshake: the component secret is wrong. Make the secret in this service's configuration equal to the one in the server's component entry for '\(domain)'"
        case "conflict":
            advice = "another component is already connected for '\(domain)' (a second instance of this service, or the server's own MUC on that domain). Stop the other instance or use another domain"
        case "host-unknown":
            advice = "the server at \(server) has no component entry for '\(domain)'. Add one to the server's configuration (see docs/deployment.md) or fix component.domain"
        case "invalid-from":
            advice = "the server closed the stream because a stanza's 'from' was not inside '\(domain)'. This is a bug in the service: please report it with the debug log"
        case "improper-addressing":
            advice = "the server closed the stream because a stanza lacked 'from' or 'to'. This is a bug in the service: please report it with the debug log"
        case "not-well-formed", "restricted-xml", "bad-format", "invalid-xml", "invalid-namespace":
            advice = "the server could not parse what the service sent. Check that the port is the server's component port (not its client or server-to-server port)"
        case "policy-violation", "resource-constraint":
            advice = "the server limited the connection (rate or size limits). Raise the server's limits for the component"
        case "system-shutdown":
            advice = "the server is shutting down; the service will reconnect when it is back"
        case "connection-timeout":
            advice = "the server timed the connection out; check component.keepalive_seconds"
        case "host-gone":
            advice = "the server no longer serves '\(domain)'. Check its component entry"
        case "see-other-host":
            advice = "the server asked the service to connect elsewhere; update component.host and component.port"
        case "reset", "undefined-condition", "internal-server-error", "remote-connection-failed":
            advice = "the server reported an internal problem; the service will reconnect"
        default:
            advice = "the server closed the stream"
        }
        return "stream error '\(condition)' from \(server): \(advice)\(detail)"
    }
}
