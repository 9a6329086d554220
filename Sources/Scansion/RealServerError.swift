import ScansionCore
import XMPPCore

/// Why a log-in to a real XMPP server failed, or why its stream ended early.
public enum RealServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The script's JID is not `local@domain[/resource]`.
    case badAccount(String)
    /// The TCP connection could not be made.
    case unreachable(address: String, reason: String)
    /// A step of the log-in took longer than the log-in timeout.
    case timedOut(phase: String)
    /// The server closed the connection before the log-in was complete.
    case closedByServer(phase: String)
    /// The server sent a stream error (`urn:ietf:params:xml:ns:xmpp-streams` condition).
    case streamError(condition: StreamErrorCondition, text: String?)
    /// The server sent bytes the stream parser refused.
    case malformed(String)
    /// The server insists on TLS; the real-server mode speaks plain TCP on loopback only.
    case tlsRequired
    /// The server offers no SASL PLAIN (the mechanisms it offers).
    case noPlainMechanism(offered: [String])
    /// SASL failed (the `urn:ietf:params:xml:ns:xmpp-sasl` failure condition).
    case authenticationFailed(condition: String, text: String?)
    /// The server's features after authentication offer no resource binding.
    case bindingNotOffered
    /// Resource binding was refused (the stanza error condition).
    case bindFailed(condition: String)
    /// Session establishment was refused (the stanza error condition).
    case sessionFailed(condition: String)
    /// The server answered with something the log-in did not expect.
    case unexpected(phase: String, element: String)

    public var description: String {
        switch self {
        case .badAccount(let jid):
            return "'\(jid)' is not a JID of the form local@domain"
        case .unreachable(let address, let reason):
            return "cannot reach the XMPP server's client port at \(address): \(reason)"
        case .timedOut(let phase):
            return "the server did not answer in time (\(phase))"
        case .closedByServer(let phase):
            return "the server closed the connection (\(phase))"
        case .streamError(let condition, let text):
            return "stream error <\(condition.rawValue)/>" + (text.map { ": \($0)" } ?? "")
        case .malformed(let why):
            return "the server sent XML that cannot be parsed: \(why)"
        case .tlsRequired:
            return "the server requires TLS; configure it to allow plain connections on loopback (Prosody: c2s_require_encryption = false; ejabberd: no starttls_required on the c2s listener)"
        case .noPlainMechanism(let offered):
            return "the server offers no SASL PLAIN (offered: \(offered.isEmpty ? "none" : offered.joined(separator: ", "))); Prosody needs allow_unencrypted_plain_auth = true"
        case .authenticationFailed(let condition, let text):
            return "authentication failed: <\(condition)/>" + (text.map { ": \($0)" } ?? "") + " (does the account exist with this password?)"
        case .bindingNotOffered:
            return "the server offered no resource binding after authentication"
        case .bindFailed(let condition):
            return "resource binding failed: <\(condition)/>"
        case .sessionFailed(let condition):
            return "session establishment failed: <\(condition)/>"
        case .unexpected(let phase, let element):
            return "unexpected answer while \(phase): \(element)"
        }
    }
}
