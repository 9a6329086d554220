import ScansionCore
import XMLStream
import XMPPCore

/// XML of the transcripts, read with the service's own parser (`XMLStreamParser.parseFragment`)
/// and the scansion conventions (`StanzaXML`: the `scansion:` prefix, indentation removed), so that
/// the unit tests and the scansion runner read scripts alike. Crashes the test on malformed input
/// (fixtures are ours).
enum TestXML {
    static func parse(_ source: String, defaultNamespace: String = NS.component) -> Element {
        parseAll(source, defaultNamespace: defaultNamespace)[0]
    }

    /// Every top-level element of `source`, in order.
    static func parseAll(_ source: String, defaultNamespace: String = NS.component) -> [Element] {
        do {
            return try XMLStreamParser.parseFragment(source, defaultNamespace: defaultNamespace,
                                                     prefixes: ["scansion": ScansionNamespace.directives])
                .map(StanzaXML.removingIndentation)
        } catch {
            fatalError("malformed test XML (\(error)): \(source)")
        }
    }
}
