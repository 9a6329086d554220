/// An XML attribute. `namespace` is nil for unqualified attributes (the usual case);
/// `xml:lang` has the XML namespace.
public struct Attribute: Sendable, Hashable {
    public var name: String
    public var namespace: String?
    public var value: String

    public init(name: String, namespace: String? = nil, value: String) {
        self.name = name
        self.namespace = namespace
        self.value = value
    }
}

/// A child of an element: another element or a run of character data.
public enum Node: Sendable, Hashable {
    case element(Element)
    case text(String)
}

/// A namespace-aware XML element that keeps everything it was given: attributes in order,
/// unknown children and text, so that payloads the service does not understand pass through untouched.
public struct Element: Sendable, Hashable {
    /// Local name, without prefix.
    public var name: String
    /// Namespace URI the element is in (its resolved default or prefixed namespace); empty for none.
    public var namespace: String
    /// Attributes in document order.
    public var attributes: [Attribute]
    /// Children in document order.
    public var children: [Node]

    public init(_ name: String, namespace: String, attributes: [Attribute] = [], children: [Node] = []) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
    }

    /// Builds an element with unqualified attributes given as pairs; nil values are skipped.
    public init(_ name: String, namespace: String, attrs: KeyValuePairs<String, String?>, children: [Element] = []) {
        self.name = name
        self.namespace = namespace
        self.attributes = []
        attributes.reserveCapacity(attrs.count)
        for (k, v) in attrs { if let v { attributes.append(Attribute(name: k, value: v)) } }
        self.children = children.map(Node.element)
    }

    // MARK: Attributes

    /// The value of an unqualified attribute.
    public func attribute(_ name: String) -> String? {
        for a in attributes where a.namespace == nil && a.name == name { return a.value }
        return nil
    }

    /// The value of a namespaced attribute.
    public func attribute(_ name: String, namespace: String) -> String? {
        for a in attributes where a.namespace == namespace && a.name == name { return a.value }
        return nil
    }

    /// Sets (or with nil removes) an unqualified attribute, keeping the position of an existing one.
    public mutating func setAttribute(_ name: String, _ value: String?) {
        if let i = attributes.firstIndex(where: { $0.namespace == nil && $0.name == name }) {
            if let value { attributes[i].value = value } else { attributes.remove(at: i) }
        } else if let value {
            attributes.append(Attribute(name: name, value: value))
        }
    }

    /// `xml:lang`, if present.
    public var lang: String? { attribute("lang", namespace: NS.xml) }

    // MARK: Children

    /// Child elements, in order.
    public var elements: [Element] {
        children.compactMap { if case .element(let e) = $0 { return e } else { return nil } }
    }

    /// The first child element with this name and namespace.
    public func child(_ name: String, namespace: String) -> Element? {
        for case .element(let e) in children where e.name == name && e.namespace == namespace { return e }
        return nil
    }

    /// The first child element in this namespace, whatever its name.
    public func child(namespace: String) -> Element? {
        for case .element(let e) in children where e.namespace == namespace { return e }
        return nil
    }

    /// All child elements with this name and namespace.
    public func children(_ name: String, namespace: String) -> [Element] {
        var out: [Element] = []
        for case .element(let e) in children where e.name == name && e.namespace == namespace { out.append(e) }
        return out
    }

    /// Concatenated character data of the direct children.
    public var text: String {
        var s = ""
        for case .text(let t) in children { s += t }
        return s
    }

    /// The text of the first child with this name and namespace.
    public func childText(_ name: String, namespace: String) -> String? {
        child(name, namespace: namespace)?.text
    }

    public mutating func append(_ element: Element) { children.append(.element(element)) }
    public mutating func append(text: String) { children.append(.text(text)) }

    /// Removes every child element with this name and namespace.
    public mutating func removeChildren(_ name: String, namespace: String) {
        children.removeAll { if case .element(let e) = $0 { return e.name == name && e.namespace == namespace } else { return false } }
    }

    /// Removes every child element in this namespace.
    public mutating func removeChildren(namespace: String) {
        children.removeAll { if case .element(let e) = $0 { return e.namespace == namespace } else { return false } }
    }

    /// An element with a single text child.
    public static func text(_ name: String, namespace: String, _ value: String) -> Element {
        Element(name, namespace: namespace, children: value.isEmpty ? [] : [.text(value)])
    }
}
