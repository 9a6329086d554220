import XMPPCore

/// A tiny namespace-aware XML reader for test fixtures (the test target does not depend on the
/// stream parser). Handles elements, attributes, default and prefixed namespaces, the five
/// predefined entities and numeric character references; whitespace-only text is dropped.
/// Crashes the test on malformed input (fixtures are ours).
enum TestXML {
    static func parse(_ source: String, defaultNamespace: String = NS.component) -> Element {
        parseAll(source, defaultNamespace: defaultNamespace)[0]
    }

    /// Every top-level element of `source`, in order.
    static func parseAll(_ source: String, defaultNamespace: String = NS.component) -> [Element] {
        var p = Parser(bytes: Array(source.utf8))
        var out: [Element] = []
        while true {
            p.skipMisc()
            guard p.peek == UInt8(ascii: "<") else { return out }
            out.append(p.element(scopes: [["": defaultNamespace, "xml": NS.xml, "scansion": Match.scansionNS]]))
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        var peek: UInt8 { i < bytes.count ? bytes[i] : 0 }

        mutating func skipSpace() { while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x09 || bytes[i] == 0x0D { i += 1 } }

        mutating func skipMisc() {
            while true {
                skipSpace()
                if starts("<?") { skip(past: "?>") } else if starts("<!--") { skip(past: "-->") } else { return }
            }
        }

        func starts(_ s: String) -> Bool {
            let u = Array(s.utf8)
            guard i + u.count <= bytes.count else { return false }
            return Array(bytes[i..<(i + u.count)]) == u
        }

        mutating func skip(past s: String) {
            while i < bytes.count, !starts(s) { i += 1 }
            i += s.utf8.count
        }

        mutating func name() -> String {
            let start = i
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D || c == UInt8(ascii: "/") || c == UInt8(ascii: ">") || c == UInt8(ascii: "=") { break }
                i += 1
            }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func expect(_ c: Character) {
            precondition(peek == c.asciiValue!, "expected \(c) at \(i) in \(String(decoding: bytes, as: UTF8.self))")
            i += 1
        }

        mutating func element(scopes: [[String: String]]) -> Element {
            expect("<")
            let qname = name()
            var raw: [(String, String)] = []
            while true {
                skipSpace()
                if peek == UInt8(ascii: "/") || peek == UInt8(ascii: ">") { break }
                let n = name()
                skipSpace(); expect("="); skipSpace()
                let q = peek
                i += 1
                let start = i
                while bytes[i] != q { i += 1 }
                let v = TestXML.unescape(String(decoding: bytes[start..<i], as: UTF8.self))
                i += 1
                raw.append((n, v))
            }
            var scope = scopes.last!
            for (n, v) in raw {
                if n == "xmlns" { scope[""] = v } else if n.hasPrefix("xmlns:") { scope[String(n.dropFirst(6))] = v }
            }
            let (prefix, local) = split(qname)
            var e = Element(local, namespace: scope[prefix] ?? "")
            for (n, v) in raw where n != "xmlns" && !n.hasPrefix("xmlns:") {
                let (ap, al) = split(n)
                e.attributes.append(Attribute(name: al, namespace: ap.isEmpty ? nil : scope[ap], value: v))
            }
            if peek == UInt8(ascii: "/") { i += 2; return e }
            expect(">")
            let inner = scopes + [scope]
            while true {
                if starts("</") {
                    skip(past: ">")
                    return e
                } else if starts("<!--") {
                    skip(past: "-->")
                } else if peek == UInt8(ascii: "<") {
                    e.append(element(scopes: inner))
                } else {
                    let start = i
                    while i < bytes.count, bytes[i] != UInt8(ascii: "<") { i += 1 }
                    let t = String(decoding: bytes[start..<i], as: UTF8.self)
                    if t.contains(where: { !$0.isWhitespace }) { e.append(text: TestXML.unescape(t)) }
                }
            }
        }

        func split(_ q: String) -> (String, String) {
            guard let c = q.firstIndex(of: ":") else { return ("", q) }
            return (String(q[..<c]), String(q[q.index(after: c)...]))
        }
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { out += rest[amp...]; return out }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "lt": out += "<"
            case "gt": out += ">"
            case "amp": out += "&"
            case "apos": out += "'"
            case "quot": out += "\""
            default:
                if entity.hasPrefix("#x"), let v = UInt32(entity.dropFirst(2), radix: 16), let u = Unicode.Scalar(v) { out.unicodeScalars.append(u) }
                else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let u = Unicode.Scalar(v) { out.unicodeScalars.append(u) }
            }
            rest = rest[rest.index(after: semi)...]
        }
        out += rest
        return out
    }
}
