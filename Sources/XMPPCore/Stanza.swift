/// The three stanza kinds of RFC 6120.
public enum StanzaKind: String, Sendable, Hashable {
    case message, presence, iq
}

/// `type` of a message stanza (RFC 6121 §5.2.2).
public enum MessageType: String, Sendable, Hashable {
    case normal, chat, groupchat, headline, error
}

/// `type` of a presence stanza (RFC 6121 §4.7.1); nil in `Stanza.presenceType` means available.
public enum PresenceType: String, Sendable, Hashable {
    case unavailable, subscribe, subscribed, unsubscribe, unsubscribed, probe, error
}

/// `type` of an IQ stanza (RFC 6120 §8.2.3).
public enum IQType: String, Sendable, Hashable {
    case get, set, result, error
}

/// Why an element is not a usable stanza.
public enum StanzaParseError: Error, Sendable, Equatable {
    case notAStanza(name: String)
    case badAddress(attribute: String, JIDError)
}

/// A stanza: typed headers over the element that carries it. The element is kept whole,
/// so unknown payloads pass through untouched.
public struct Stanza: Sendable, Hashable {
    public var element: Element
    public let kind: StanzaKind
    /// Parsed `to`, nil when absent.
    public var to: JID?
    /// Parsed `from`, nil when absent.
    public var from: JID?

    /// Reads the headers of `element`; a stanza with an unparsable `to` or `from` is refused.
    public init(_ element: Element) throws(StanzaParseError) {
        guard let kind = StanzaKind(rawValue: element.name) else { throw .notAStanza(name: element.name) }
        self.element = element
        self.kind = kind
        do { self.to = try element.attribute("to").map { s throws(JIDError) in try JID(s) } }
        catch { throw .badAddress(attribute: "to", error) }
        do { self.from = try element.attribute("from").map { s throws(JIDError) in try JID(s) } }
        catch { throw .badAddress(attribute: "from", error) }
    }

    public var id: String? { element.attribute("id") }
    public var type: String? { element.attribute("type") }

    /// For messages: the type, `normal` when absent, nil when unknown.
    public var messageType: MessageType? {
        guard let t = type else { return .normal }
        return MessageType(rawValue: t)
    }
    /// For IQs: the type, nil when absent or unknown.
    public var iqType: IQType? { type.flatMap(IQType.init(rawValue:)) }
    /// For presence: nil means available.
    public var presenceType: PresenceType? { type.flatMap(PresenceType.init(rawValue:)) }

    /// The stanza error carried by a `type='error'` stanza.
    public var error: StanzaError? {
        element.child("error", namespace: element.namespace).flatMap(StanzaError.init(element:))
    }

    /// The first child element of an IQ (its payload).
    public var payload: Element? { element.elements.first }
}

extension Element {
    /// A stanza header: `<name to from id type>`, in the component namespace.
    public static func stanza(_ kind: StanzaKind, from: String?, to: String?, id: String? = nil, type: String? = nil,
                              children: [Element] = []) -> Element {
        Element(kind.rawValue, namespace: NS.component, attrs: ["from": from, "to": to, "id": id, "type": type], children: children)
    }

    /// An error reply to this stanza (RFC 6120 §8.3.1): addresses swapped, same id, `type='error'`,
    /// the error as child. The original payload is not echoed back.
    public func errorReply(_ error: StanzaError) -> Element {
        var e = Element(name, namespace: namespace, attrs: [
            "from": attribute("to"), "to": attribute("from"), "id": attribute("id"), "type": "error",
        ])
        e.append(error.element(stanzaNamespace: namespace))
        return e
    }

    /// A result reply to this IQ with optional payload.
    public func iqResult(_ payload: Element? = nil) -> Element {
        var e = Element("iq", namespace: namespace, attrs: [
            "from": attribute("to"), "to": attribute("from"), "id": attribute("id"), "type": "result",
        ])
        if let payload { e.append(payload) }
        return e
    }
}
