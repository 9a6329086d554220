import ScansionCore
import XMPPCore

/// Indented XML for failure reports: one element per line, `xmlns` written where the namespace
/// changes, scansion directives shown as `scansion:…`, whitespace-only text left out.
public enum PrettyXML {
    public static func format(_ element: Element, parentNamespace: String = NS.client, indent: String = "\t") -> String {
        var lines: [String] = []
        write(element, parentNamespace: parentNamespace, depth: 0, indent: indent, into: &lines)
        return lines.joined(separator: "\n")
    }

    private static func write(_ e: Element, parentNamespace: String, depth: Int, indent: String, into lines: inout [String]) {
        let pad = String(repeating: indent, count: depth)
        var open: [UInt8] = Array("<\(e.name)".utf8)
        if e.namespace != parentNamespace {
            open += Array(" xmlns='".utf8)
            Serializer.appendEscaped(e.namespace, &open, attribute: true)
            open += Array("'".utf8)
        }
        for a in e.attributes {
            let prefix: String
            switch a.namespace {
            case nil: prefix = ""
            case NS.xml?: prefix = "xml:"
            case ScansionNamespace.directives?: prefix = "scansion:"
            case let ns?: prefix = "{\(ns)}"
            }
            open += Array(" \(prefix)\(a.name)='".utf8)
            Serializer.appendEscaped(a.value, &open, attribute: true)
            open += Array("'".utf8)
        }
        let head = String(decoding: open, as: UTF8.self)
        let children = e.elements
        let text = e.text.trimmingWhitespace()
        if children.isEmpty {
            if text.isEmpty {
                lines.append(pad + head + "/>")
            } else {
                var t: [UInt8] = []
                Serializer.appendEscaped(text, &t, attribute: false)
                lines.append(pad + head + ">" + String(decoding: t, as: UTF8.self) + "</\(e.name)>")
            }
            return
        }
        lines.append(pad + head + ">")
        if !text.isEmpty {
            var t: [UInt8] = []
            Serializer.appendEscaped(text, &t, attribute: false)
            lines.append(pad + indent + String(decoding: t, as: UTF8.self))
        }
        for c in children { write(c, parentNamespace: e.namespace, depth: depth + 1, indent: indent, into: &lines) }
        lines.append(pad + "</\(e.name)>")
    }
}
