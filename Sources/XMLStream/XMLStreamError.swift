import XMPPCore

/// Why the parser gave up on a stream. Every error is final: the stream must be closed with
/// the stream error named by `streamErrorCondition`.
public struct XMLStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// Not well-formed XML; the text is libxml2's (or our) explanation.
        case malformed(String)
        /// A document type declaration (`<!DOCTYPE …>`), forbidden by RFC 6120 §11.1.
        case doctype
        /// An entity declaration (`<!ENTITY …>`), forbidden by RFC 6120 §11.1.
        case entityDeclaration
        /// A reference to an entity other than the five predefined ones (the entity's name).
        case entityReference(String)
        /// A comment or processing instruction, forbidden by RFC 6120 §11.1.
        case commentOrProcessingInstruction
        /// A namespace prefix that no declaration binds (the prefix).
        case unboundPrefix(String)
        /// Bytes that are not valid UTF-8.
        case invalidUTF8
        /// A stream not in UTF-8 (a UTF-16 byte order mark or another declared encoding).
        case unsupportedEncoding
        /// A stanza (or stream header) larger than `XMLStreamLimits.maxStanzaBytes`.
        case stanzaTooLarge(limit: Int)
        /// Elements nested deeper than `XMLStreamLimits.maxDepth`.
        case tooDeep(limit: Int)
    }

    public var kind: Kind

    public init(_ kind: Kind) {
        self.kind = kind
    }

    /// The RFC 6120 §4.9.3 stream error condition to send before closing the stream
    /// (an element name in `urn:ietf:params:xml:ns:xmpp-streams`).
    public var streamErrorCondition: StreamErrorCondition {
        switch kind {
        case .malformed, .unboundPrefix, .invalidUTF8: return .notWellFormed
        case .doctype, .entityDeclaration, .entityReference, .commentOrProcessingInstruction: return .restrictedXML
        case .unsupportedEncoding: return .unsupportedEncoding
        case .stanzaTooLarge, .tooDeep: return .policyViolation
        }
    }

    public var description: String {
        let detail: String
        switch kind {
        case .malformed(let why): detail = "malformed XML: \(why)"
        case .doctype: detail = "document type declarations are not allowed"
        case .entityDeclaration: detail = "entity declarations are not allowed"
        case .entityReference(let name): detail = "reference to undeclared entity '\(name)' (only the predefined entities are allowed)"
        case .commentOrProcessingInstruction: detail = "comments and processing instructions are not allowed"
        case .unboundPrefix(let prefix): detail = "namespace prefix '\(prefix)' is not bound"
        case .invalidUTF8: detail = "input is not valid UTF-8"
        case .unsupportedEncoding: detail = "the stream is not encoded in UTF-8"
        case .stanzaTooLarge(let limit): detail = "stanza larger than \(limit) bytes"
        case .tooDeep(let limit): detail = "elements nested deeper than \(limit) levels"
        }
        return "\(streamErrorCondition.rawValue): \(detail)"
    }
}
