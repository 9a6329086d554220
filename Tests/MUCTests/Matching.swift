import XMPPCore

/// The matching rules of the reference scripts (shared/scansion/README.md): elements in the stanza
/// namespace are matched loosely (expected attributes present and equal, expected children found
/// in any order, extras ignored); elements in any other namespace strictly (same attributes,
/// same children in order, equal trimmed text). `scansion:strict` on an expected element overrides.
enum Match {
    static let scansionNS = "https://matthewwild.co.uk/projects/scansion"

    static func matches(expected: Element, received: Element) -> Bool {
        guard expected.name == received.name, expected.namespace == received.namespace else { return false }
        var strict = expected.namespace != NS.component && expected.namespace != NS.client
        if let s = expected.attribute("strict", namespace: scansionNS) { strict = s == "true" }
        let expectedAttributes = expected.attributes.filter { $0.namespace != scansionNS }
        let expectedChildren = expected.elements
        let receivedChildren = received.elements
        if strict {
            guard Set(expectedAttributes) == Set(received.attributes) else { return false }
            guard expectedChildren.count == receivedChildren.count else { return false }
            for (e, r) in zip(expectedChildren, receivedChildren) where !matches(expected: e, received: r) { return false }
            return trimmed(expected.text) == trimmed(received.text)
        }
        for a in expectedAttributes {
            let v = a.namespace == nil ? received.attribute(a.name) : received.attribute(a.name, namespace: a.namespace!)
            guard v == a.value else { return false }
        }
        var used = Set<Int>()
        for e in expectedChildren {
            guard let i = receivedChildren.indices.first(where: { !used.contains($0) && matches(expected: e, received: receivedChildren[$0]) }) else {
                return false
            }
            used.insert(i)
        }
        let t = trimmed(expected.text)
        return t.isEmpty || t == trimmed(received.text)
    }

    static func trimmed(_ s: String) -> String {
        var sub = Substring(s)
        while let f = sub.first, f.isWhitespace { sub.removeFirst() }
        while let l = sub.last, l.isWhitespace { sub.removeLast() }
        return String(sub)
    }
}
