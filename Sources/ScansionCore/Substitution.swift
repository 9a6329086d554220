import Foundation
import XMPPCore

/// Replaces `${Name's JID}` (bare JID), `${Name's full JID}` (the JID bound at log-in) and
/// `${NAME}` (a value bound earlier by `{scansion:capture:NAME}`) in a block of script XML; values
/// are XML-escaped for use in attributes or text.
public enum Substitution {
    public enum Reference: Equatable {
        case bare(String)
        case full(String)
        case captured(String)
    }

    public struct Failure: Error {
        public var message: String
    }

    public static func apply(_ text: String, resolve: (Reference) -> String?) throws(Failure) -> String {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw Failure(message: "unterminated '${' in: \(rest)")
            }
            let body = String(rest[start.upperBound ..< end])
            let reference: Reference
            if body.hasSuffix("'s full JID") {
                reference = .full(String(body.dropLast("'s full JID".count)))
            } else if body.hasSuffix("'s JID") {
                reference = .bare(String(body.dropLast("'s JID".count)))
            } else if !body.isEmpty && !body.contains(" ") && !body.contains("'") {
                reference = .captured(body)
            } else {
                throw Failure(message: "unknown substitution '${\(body)}' (expected ${Name's JID}, ${Name's full JID} or ${CAPTURE})")
            }
            guard let value = resolve(reference) else {
                switch reference {
                case .bare(let name): throw Failure(message: "'${\(body)}': no client called '\(name)'")
                case .full(let name): throw Failure(message: "'${\(body)}': client '\(name)' is unknown or not connected yet")
                case .captured(let name):
                    throw Failure(message: "'${\(body)}': nothing was captured as '\(name)' yet ({scansion:capture:\(name)})")
                }
            }
            var escaped: [UInt8] = []
            Serializer.appendEscaped(value, &escaped, attribute: true)
            out += String(decoding: escaped, as: UTF8.self)
            rest = rest[rest.index(after: end)...]
        }
        out += rest
        return out
    }
}
