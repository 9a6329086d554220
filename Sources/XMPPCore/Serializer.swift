/// Writes elements as XML bytes: no pretty printing, attributes quoted with `'`,
/// `& < > " '` escaped in attribute values and `& < >` in text.
///
/// Namespaces are written as default-namespace declarations (`xmlns='…'`) wherever an element's
/// namespace differs from its parent's, so the output never depends on prefixes. The namespace
/// of the enclosing stream is passed in, so stanzas in `jabber:component:accept` are written
/// unqualified, as Prosody requires.
public enum Serializer {
    /// Serializes `element` appending to `buffer`, assuming the enclosing default namespace is `parentNamespace`.
    public static func write(_ element: Element, into buffer: inout [UInt8], parentNamespace: String = NS.component) {
        buffer.append(UInt8(ascii: "<"))
        appendRaw(element.name, &buffer)
        if element.namespace != parentNamespace {
            appendRaw(" xmlns='", &buffer)
            appendEscaped(element.namespace, &buffer, attribute: true)
            buffer.append(UInt8(ascii: "'"))
        }
        var foreign = 0
        for a in element.attributes {
            buffer.append(UInt8(ascii: " "))
            if let ns = a.namespace {
                if ns == NS.xml {
                    appendRaw("xml:", &buffer)
                } else {
                    // A namespaced attribute other than xml:*: declare a private prefix on this element.
                    let prefix = "a\(foreign)"
                    foreign += 1
                    appendRaw("xmlns:\(prefix)='", &buffer)
                    appendEscaped(ns, &buffer, attribute: true)
                    appendRaw("' \(prefix):", &buffer)
                }
            }
            appendRaw(a.name, &buffer)
            appendRaw("='", &buffer)
            appendEscaped(a.value, &buffer, attribute: true)
            buffer.append(UInt8(ascii: "'"))
        }
        if element.children.isEmpty {
            appendRaw("/>", &buffer)
            return
        }
        buffer.append(UInt8(ascii: ">"))
        for child in element.children {
            switch child {
            case .element(let e): write(e, into: &buffer, parentNamespace: element.namespace)
            case .text(let t): appendEscaped(t, &buffer, attribute: false)
            }
        }
        appendRaw("</", &buffer)
        appendRaw(element.name, &buffer)
        buffer.append(UInt8(ascii: ">"))
    }

    /// Serializes `element` into a fresh byte array.
    public static func bytes(_ element: Element, parentNamespace: String = NS.component) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256)
        write(element, into: &buffer, parentNamespace: parentNamespace)
        return buffer
    }

    /// Serializes `element` into a string (tests, logs).
    public static func string(_ element: Element, parentNamespace: String = NS.component) -> String {
        String(decoding: bytes(element, parentNamespace: parentNamespace), as: UTF8.self)
    }

    @inline(__always)
    static func appendRaw(_ s: String, _ buffer: inout [UInt8]) {
        // A native string's UTF-8 is contiguous: copy it in one go (the generic path goes byte by byte).
        if s.utf8.withContiguousStorageIfAvailable({ buffer.append(contentsOf: $0) }) == nil {
            buffer.append(contentsOf: s.utf8)
        }
    }

    /// Whether `byte` is written as a reference (or left out) by `appendEscaped`.
    @inline(__always)
    static func needsEscaping(_ byte: UInt8, attribute: Bool) -> Bool {
        byte < 0x20 || byte == 0x26 || byte == 0x3C || byte == 0x3E || (attribute && (byte == 0x27 || byte == 0x22))
    }

    /// Whether `appendEscaped` would write `s` differently from its UTF-8 bytes. Most values need
    /// no escaping, and callers can then copy them in one go.
    public static func needsEscaping(_ s: String, attribute: Bool) -> Bool {
        if let answer = s.utf8.withContiguousStorageIfAvailable({ $0.contains { needsEscaping($0, attribute: attribute) } }) {
            return answer
        }
        return s.utf8.contains { needsEscaping($0, attribute: attribute) }
    }

    /// Appends `s` with XML escaping; attributes also escape both quote characters.
    public static func appendEscaped(_ s: String, _ buffer: inout [UInt8], attribute: Bool) {
        guard needsEscaping(s, attribute: attribute) else { return appendRaw(s, &buffer) }
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "&"): appendRaw("&amp;", &buffer)
            case UInt8(ascii: "<"): appendRaw("&lt;", &buffer)
            case UInt8(ascii: ">"): appendRaw("&gt;", &buffer)
            case UInt8(ascii: "'") where attribute: appendRaw("&apos;", &buffer)
            case UInt8(ascii: "\"") where attribute: appendRaw("&quot;", &buffer)
            // Parsers normalise whitespace in attribute values and CR in text: keep them by reference.
            case 0x0A where attribute: appendRaw("&#xA;", &buffer)
            case 0x09 where attribute: appendRaw("&#x9;", &buffer)
            case 0x0D: appendRaw("&#xD;", &buffer)
            // Other C0 controls cannot appear in XML 1.0, not even as references: writing one
            // would end the stream with not-well-formed, so it is left out.
            case 0x00...0x08, 0x0B, 0x0C, 0x0E...0x1F: continue
            default: buffer.append(byte)
            }
        }
    }
}
