internal import CLibXML2

/// Builds the libxml2 SAX2 handler. The callbacks are plain C functions: they capture nothing
/// and find the parser through the user-data pointer given to the context. libxml2 copies the
/// handler into each context, so a local value is enough (no global mutable state).
enum SAXHandler {
    @inline(__always)
    static func parser(_ ctx: UnsafeMutableRawPointer?) -> XMLStreamParser? {
        guard let ctx else { return nil }
        return Unmanaged<XMLStreamParser>.fromOpaque(ctx).takeUnretainedValue()
    }

    static func make() -> xmlSAXHandler {
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)

        sax.startElementNs = { ctx, localname, prefix, uri, nbNamespaces, namespaces, nbAttributes, _, attributes in
            SAXHandler.parser(ctx)?.startElement(localname: localname, prefix: prefix, uri: uri,
                                      namespaceCount: Int(nbNamespaces), namespaces: namespaces,
                                      attributeCount: Int(nbAttributes), attributes: attributes)
        }
        sax.endElementNs = { ctx, _, _, _ in
            SAXHandler.parser(ctx)?.endElement()
        }
        sax.characters = { ctx, chars, length in
            SAXHandler.parser(ctx)?.characters(chars, Int(length))
        }
        // Whitespace libxml2 may classify as ignorable is still character data to us.
        sax.ignorableWhitespace = sax.characters

        // RFC 6120 §11.1: no DTD, no entity declarations or references, no comments, no PIs.
        sax.internalSubset = { ctx, _, _, _ in SAXHandler.parser(ctx)?.refuse(.doctype) }
        sax.externalSubset = { ctx, _, _, _ in SAXHandler.parser(ctx)?.refuse(.doctype) }
        sax.entityDecl = { ctx, _, _, _, _, _ in SAXHandler.parser(ctx)?.refuse(.entityDeclaration) }
        sax.unparsedEntityDecl = { ctx, _, _, _, _ in SAXHandler.parser(ctx)?.refuse(.entityDeclaration) }
        sax.notationDecl = { ctx, _, _, _ in SAXHandler.parser(ctx)?.refuse(.doctype) }
        sax.attributeDecl = { ctx, _, _, _, _, _, tree in
            // libxml2 hands us ownership of the enumeration list.
            if let tree { xmlFreeEnumeration(tree) }
            SAXHandler.parser(ctx)?.refuse(.doctype)
        }
        sax.elementDecl = { ctx, _, _, _ in SAXHandler.parser(ctx)?.refuse(.doctype) }
        sax.getEntity = { ctx, name in
            SAXHandler.parser(ctx)?.refuse(.entityReference(name.map { String(cString: $0) } ?? ""))
            return nil
        }
        sax.getParameterEntity = { ctx, name in
            SAXHandler.parser(ctx)?.refuse(.entityReference(name.map { String(cString: $0) } ?? ""))
            return nil
        }
        sax.reference = { ctx, name in
            SAXHandler.parser(ctx)?.refuse(.entityReference(name.map { String(cString: $0) } ?? ""))
        }
        sax.comment = { ctx, _ in SAXHandler.parser(ctx)?.refuse(.commentOrProcessingInstruction) }
        sax.processingInstruction = { ctx, _, _ in SAXHandler.parser(ctx)?.refuse(.commentOrProcessingInstruction) }

        // Every libxml2 diagnostic comes here, so nothing is printed to stderr.
        sax.serror = { data, error in
            guard let error else { return }
            SAXHandler.parser(data)?.libraryError(error.pointee)
        }
        return sax
    }
}

extension XMLStreamParser {
    func refuse(_ kind: XMLStreamError.Kind) {
        guard !silenced else { return }
        fail(kind)
    }

    /// Maps a libxml2 diagnostic; warnings are ignored, errors end the stream.
    func libraryError(_ e: xmlError) {
        guard !silenced else { return }
        let code = e.code
        func str1() -> String { e.str1.map { String(cString: $0) } ?? "" }
        if code == Int32(XML_WAR_UNDECLARED_ENTITY.rawValue) || code == Int32(XML_ERR_UNDECLARED_ENTITY.rawValue) {
            fail(.entityReference(str1()))
            return
        }
        guard e.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        let message = e.message.map { String(cString: $0) } ?? "error \(code)"
        switch code {
        case Int32(XML_NS_ERR_UNDEFINED_NAMESPACE.rawValue):
            fail(.unboundPrefix(str1()))
        case Int32(XML_ERR_INVALID_ENCODING.rawValue):
            fail(.invalidUTF8)
        case Int32(XML_ERR_INVALID_CHAR.rawValue) where message.contains("UTF-8"):
            fail(.invalidUTF8)
        case Int32(XML_ERR_UNSUPPORTED_ENCODING.rawValue), Int32(XML_ERR_UNKNOWN_ENCODING.rawValue):
            fail(.unsupportedEncoding)
        default:
            var trimmed = Substring(message)
            while let last = trimmed.last, last.isWhitespace { trimmed = trimmed.dropLast() }
            fail(.malformed(String(trimmed)))
        }
    }
}
