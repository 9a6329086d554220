import XMLStream
import XMPPCore

/// Parses the XML blocks of a script: default namespace `jabber:client`, the `scansion` prefix
/// bound to `ScansionNamespace.directives`. Whitespace-only text beside child elements (the
/// script's indentation) is removed.
public enum StanzaXML {
    public static func parse(_ xml: String) throws -> [Element] {
        let elements = try XMLStreamParser.parseFragment(xml, defaultNamespace: NS.client,
                                                         prefixes: ["scansion": ScansionNamespace.directives])
        return elements.map(removingIndentation)
    }

    public static func removingIndentation(_ element: Element) -> Element {
        var e = element
        let hasElements = e.children.contains { if case .element = $0 { return true } else { return false } }
        var kept: [Node] = []
        kept.reserveCapacity(e.children.count)
        for child in e.children {
            switch child {
            case .element(let c): kept.append(.element(removingIndentation(c)))
            case .text(let t): if !(hasElements && t.isBlank) { kept.append(.text(t)) }
            }
        }
        e.children = kept
        return e
    }

    /// The element without `scansion:` directive attributes (anywhere in the tree), as it is sent.
    public static func removingDirectives(_ element: Element) -> Element {
        var e = element
        e.attributes.removeAll { $0.namespace == ScansionNamespace.directives }
        e.children = e.children.map { child in
            if case .element(let c) = child { return .element(removingDirectives(c)) }
            return child
        }
        return e
    }
}
