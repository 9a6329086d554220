internal import CLibXML2
import XMPPCore

/// The SAX callbacks' work: turning libxml2's events into the header, stanzas and stream end.
/// This is the hot path; it builds each element's arrays directly and reuses the strings of
/// names libxml2 has interned.
extension XMLStreamParser {
    typealias CString = UnsafePointer<xmlChar>

    func startElement(localname: CString?, prefix: CString?, uri: CString?,
                      namespaceCount: Int, namespaces: UnsafeMutablePointer<CString?>?,
                      attributeCount: Int, attributes: UnsafeMutablePointer<CString?>?) {
        guard !silenced else { return }
        guard let localname, let name = interned(localname) else { return fail(.malformed("element without a name")) }
        // libxml2 reports an unbound prefix as a recoverable error and carries on with no namespace.
        if let prefix, uri == nil { return fail(.unboundPrefix(string(prefix))) }
        let namespace: String
        if let uri {
            guard let ns = interned(uri) else { return }
            namespace = ns
        } else {
            namespace = ""
        }

        var attrs: [Attribute] = []
        if attributeCount > 0, let attributes {
            attrs.reserveCapacity(attributeCount)
            for i in 0..<attributeCount {
                let a = attributes + 5 * i
                guard let aLocal = a[0], let aName = interned(aLocal) else { return fail(.malformed("attribute without a name")) }
                var aNamespace: String? = nil
                if let aURI = a[2] {
                    guard let ns = interned(aURI) else { return }
                    aNamespace = ns
                } else if let aPrefix = a[1] {
                    return fail(.unboundPrefix(string(aPrefix)))
                }
                guard let value = attributeValue(a[3], a[4]) else { return fail(.invalidUTF8) }
                attrs.append(Attribute(name: aName, namespace: aNamespace, value: value))
            }
        }

        depth += 1
        if depth == 1 {
            startRoot(name: name, namespace: namespace, attributes: attrs, localname: localname, prefix: prefix,
                      namespaceCount: namespaceCount, namespaces: namespaces)
            return
        }
        if depth - 1 > limits.maxDepth { return fail(.tooDeep(limit: limits.maxDepth)) }
        if depth > 2 { flushText() }
        frames.append(Frame(name: name, namespace: namespace, attributes: attrs, children: []))
    }

    private func startRoot(name: String, namespace: String, attributes: [Attribute], localname: CString, prefix: CString?,
                           namespaceCount: Int, namespaces: UnsafeMutablePointer<CString?>?) {
        let end = consumed
        if priming {
            // A recycled context re-reading our synthetic header: already reported.
            priming = false
            boundary = end
            return
        }
        if end - boundary > limits.maxStanzaBytes { return fail(.stanzaTooLarge(limit: limits.maxStanzaBytes)) }
        boundary = end
        var defaultNamespace = ""
        var prefixes: [String: String] = [:]
        rootDeclarations = []
        if namespaceCount > 0, let namespaces {
            for i in 0..<namespaceCount {
                let p = namespaces[2 * i].map { string($0) }
                let u = namespaces[2 * i + 1].map { string($0) } ?? ""
                rootDeclarations.append((p, u))
                if let p { prefixes[p] = u } else { defaultNamespace = u }
            }
        }
        rootQName = []
        if let prefix {
            rootQName += UnsafeBufferPointer(start: prefix, count: Int(xmlStrlen(prefix)))
            rootQName.append(UInt8(ascii: ":"))
        }
        rootQName += UnsafeBufferPointer(start: localname, count: Int(xmlStrlen(localname)))
        let header = StreamHeader(element: Element(name, namespace: namespace, attributes: attributes),
                                  defaultNamespace: defaultNamespace, prefixes: prefixes)
        events.append(.streamStart(header))
    }

    func endElement() {
        guard !silenced else { return }
        depth -= 1
        if depth <= 0 {
            depth = 0
            boundary = consumed
            events.append(.streamEnd)
            return
        }
        flushText()
        guard let frame = frames.popLast() else { return }
        let element = Element(frame.name, namespace: frame.namespace, attributes: frame.attributes, children: frame.children)
        if depth > 1 {
            frames[frames.count - 1].children.append(.element(element))
            return
        }
        // A top-level element is complete.
        let end = consumed
        let size = end - boundary
        if size > limits.maxStanzaBytes { return fail(.stanzaTooLarge(limit: limits.maxStanzaBytes)) }
        boundary = end
        events.append(.stanza(element))
        stanzasInContext += 1
        // A large stanza leaves libxml2's input buffer large: a fresh context gives the memory back.
        if stanzasInContext >= recycling.afterStanzas || dictionarySize > recycling.afterNames || size > recycling.afterStanzaBytes {
            requestRecycle(at: end)
        }
    }

    func characters(_ chars: CString?, _ length: Int) {
        // Text directly inside the root (whitespace keepalives) is not part of any stanza.
        guard depth >= 2, !silenced, let chars, length > 0 else { return }
        text.append(contentsOf: UnsafeBufferPointer(start: chars, count: length))
    }

    /// Stores pending character data as a text child of the innermost open element.
    @inline(__always)
    func flushText() {
        guard !text.isEmpty else { return }
        // Keep the buffer for the next element, unless a large text made it large.
        defer { if text.capacity > 64 * 1024 { text = [] } else { text.removeAll(keepingCapacity: true) } }
        guard let s = String(validating: text, as: UTF8.self) else { return fail(.invalidUTF8) }
        guard !frames.isEmpty else { return }
        frames[frames.count - 1].children.append(.text(s))
    }

    // MARK: Recycling

    private var dictionarySize: Int {
        guard let context, let dict = context.pointee.dict else { return 0 }
        return Int(xmlDictSize(dict))
    }

    /// Tells the context to stop reporting right after the stanza that just ended; `parse`
    /// then hands the rest of the slice to a fresh context.
    private func requestRecycle(at end: Int) {
        let used = end - sliceStart
        // The end must lie within the slice being parsed; otherwise try at a later stanza.
        guard used >= 0, used <= sliceCount, let context else { return }
        recycleAt = end
        context.pointee.disableSAX = 1
    }

    // MARK: Strings

    /// The string for a name libxml2 interned in its dictionary, converted once per context.
    @inline(__always)
    func interned(_ p: CString) -> String? {
        let key = UnsafeRawPointer(p)
        if let s = names[key] { return s }
        guard let s = String(validating: UnsafeBufferPointer(start: p, count: Int(xmlStrlen(p))), as: UTF8.self) else {
            fail(.invalidUTF8)
            return nil
        }
        // Only dictionary strings live as long as the context; anything else is converted each time.
        if let context, let dict = context.pointee.dict, xmlDictOwns(dict, p) == 1 {
            names[key] = s
        }
        return s
    }

    func string(_ p: CString) -> String {
        String(decoding: UnsafeBufferPointer(start: p, count: Int(xmlStrlen(p))), as: UTF8.self)
    }

    /// An attribute value as libxml2 reports it without entity substitution: references were
    /// resolved, except that a literal '&' is passed on as the text `&#38;`.
    func attributeValue(_ start: CString?, _ end: CString?) -> String? {
        guard let start, let end, end > start else { return "" }
        let raw = UnsafeBufferPointer(start: start, count: end - start)
        guard raw.contains(UInt8(ascii: "&")) else { return String(validating: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        let amp: [UInt8] = Array("&#38;".utf8)
        while i < raw.count {
            if raw[i] == UInt8(ascii: "&"), i + amp.count <= raw.count, raw[i..<(i + amp.count)].elementsEqual(amp) {
                out.append(UInt8(ascii: "&"))
                i += amp.count
            } else {
                out.append(raw[i])
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}
