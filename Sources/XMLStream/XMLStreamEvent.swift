import XMPPCore

/// The opening tag of a stream: the root element (e.g. `<stream:stream>`) with its attributes
/// and no children, plus the namespace declarations it carries.
public struct StreamHeader: Sendable, Equatable {
    /// The root element: local name, resolved namespace, attributes in document order
    /// (`xml:lang` is an attribute in `NS.xml`); namespace declarations are not attributes.
    public var element: Element
    /// The default namespace declared on the root (`xmlns='…'`), empty when none is declared.
    /// Stanzas are in this namespace (`jabber:component:accept` for a XEP-0114 stream).
    public var defaultNamespace: String
    /// The prefixed namespace declarations on the root, prefix → URI (e.g. `stream` → `NS.stream`).
    public var prefixes: [String: String]

    public init(element: Element, defaultNamespace: String, prefixes: [String: String] = [:]) {
        self.element = element
        self.defaultNamespace = defaultNamespace
        self.prefixes = prefixes
    }

    /// The value of an unqualified attribute of the root (`from`, `to`, `id`, `version`).
    public func attribute(_ name: String) -> String? { element.attribute(name) }
}

/// What the stream parser yields, in stream order.
public enum XMLStreamEvent: Sendable, Equatable {
    /// The stream header, once, when the root's start tag is complete.
    case streamStart(StreamHeader)
    /// Each complete child of the root: stanzas, `<handshake/>`, `<stream:error/>`, `<stream:features/>`…
    case stanza(Element)
    /// The root was closed (`</stream:stream>`).
    case streamEnd
}
