internal import CLibXML2
import XMPPCore

/// An incremental parser for an XMPP stream, over libxml2's push parser.
///
/// Feed it bytes as they arrive, in chunks of any size; it returns the stream header, each
/// complete top-level element and the stream end as they complete. It refuses what RFC 6120
/// §11.1 forbids (DTDs, entities other than the predefined ones, comments, processing
/// instructions), bytes that are not UTF-8, unbound prefixes, stanzas over the size limit and
/// nesting over the depth limit. The first error is final.
///
/// Not thread-safe: confine each parser to one thread or event loop.
public final class XMLStreamParser {
    /// One element being built (the stanza and its open descendants).
    struct Frame {
        var name: String
        var namespace: String
        var attributes: [Attribute]
        var children: [Node]
    }

    /// Input is handed to libxml2 in slices of this size, so the stanza size limit is checked
    /// while a large stanza is still arriving rather than after libxml2 buffered all of it.
    static let sliceBytes = 16 * 1024

    let limits: XMLStreamLimits

    // libxml2 state.
    var context: xmlParserCtxtPtr?
    /// Bytes given to the current context (including a synthetic header after recycling).
    var contextFed = 0
    /// `contextFed` when the slice being parsed began, and that slice's length.
    var sliceStart = 0
    var sliceCount = 0

    // Stream state.
    var prolog = PrologSniffer()
    var utf8 = UTF8Validator()
    var failure: XMLStreamError?
    var events: [XMLStreamEvent] = []
    /// Open elements, the root included.
    var depth = 0
    /// The stanza being built and its open descendants (depth 2 and deeper).
    var frames: [Frame] = []
    /// Character data of the innermost open element not yet stored as a text node; adjacent
    /// runs (libxml2 splits text at chunk ends and references) are merged here.
    var text: [UInt8] = []
    /// Strings for libxml2's interned names, by address (valid while the context lives).
    var names: [UnsafeRawPointer: String] = [:]

    // Accounting for the stanza size limit, in context offsets: where the last top-level
    // element (or the header) ended; everything after it belongs to the stanza in progress.
    var boundary = 0

    // Context recycling: libxml2's name dictionary only grows, so a long-lived stream gets a
    // fresh context now and then, primed with a copy of the stream header.
    /// The root's qualified name and namespace declarations, to rebuild the header from.
    var rootQName: [UInt8] = []
    var rootDeclarations: [(prefix: String?, uri: String)] = []
    /// True while a fresh context parses the synthetic header (its start is not reported).
    var priming = false
    /// Where the old context was told to stop (a stanza end), when a recycle is due.
    var recycleAt: Int?
    var stanzasInContext = 0

    /// When the parser replaces its libxml2 context (at a stanza boundary, invisibly): libxml2's
    /// name dictionary only grows and its input buffer keeps the size of the largest stanza.
    /// The defaults suit production; tests lower them.
    public struct Recycling: Sendable, Equatable {
        /// Once the dictionary holds more than this many names.
        public var afterNames: Int
        /// After this many stanzas (keeps libxml2's counters small on long streams).
        public var afterStanzas: Int
        /// After a stanza larger than this many bytes (gives the input buffer's memory back).
        public var afterStanzaBytes: Int

        public init(afterNames: Int = 2048, afterStanzas: Int = 65536, afterStanzaBytes: Int = 64 * 1024) {
            self.afterNames = afterNames
            self.afterStanzas = afterStanzas
            self.afterStanzaBytes = afterStanzaBytes
        }
    }

    /// When to replace the libxml2 context.
    public var recycling = Recycling()
    /// How many times the context was replaced since this parser was made (tests, diagnostics).
    public private(set) var recycleCount = 0

    /// A parser for one stream; `reset()` makes it ready for the next.
    public init(limits: XMLStreamLimits = .init()) {
        XMLStreamParser.initializeLibrary
        self.limits = limits
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
    }

    /// Makes sure `xmlInitParser` ran once before any context is made.
    private static let initializeLibrary: Void = { xmlInitParser() }()

    // MARK: Feeding

    /// Feeds the next bytes of the stream (any number, one byte at a time works) and returns the
    /// events they completed. After an error the parser is dead: every later call throws it again.
    /// Events completed earlier in the same call as an error are not returned.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(XMLStreamError) -> [XMLStreamEvent] {
        if let failure { throw failure }
        var offset = 0
        if !prolog.isDone {
            do {
                offset = try prolog.consume(bytes)
            } catch {
                failure = error
                throw error
            }
        }
        // libxml2 gets the bytes before an invalid one, so that an error earlier in the stream is
        // the one reported however the input was chunked.
        let invalid = utf8.firstInvalid(bytes)
        let end = invalid ?? bytes.count
        if offset < end, let base = bytes.baseAddress {
            if context == nil { makeContext() }
            parse(base + offset, end - offset)
        }
        if invalid != nil { fail(.invalidUTF8) }
        if let failure {
            events = []
            throw failure
        }
        var out: [XMLStreamEvent] = []
        swap(&out, &events)
        return out
    }

    /// Feeds the next bytes of the stream; see `feed(_:)` for a buffer pointer.
    public func feed(_ bytes: [UInt8]) throws(XMLStreamError) -> [XMLStreamEvent] {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(XMLStreamError) -> [XMLStreamEvent] in try feed(buffer) }
        }
        return try result.get()
    }

    /// Forgets the current stream, ready for a new one (after a reconnect).
    public func reset() {
        freeContext()
        prolog = PrologSniffer()
        utf8 = UTF8Validator()
        failure = nil
        events = []
        depth = 0
        frames = []
        text = []
        rootQName = []
        rootDeclarations = []
        priming = false
        recycleAt = nil
        boundary = 0
        stanzasInContext = 0
    }

    /// Hands `count` bytes to libxml2 a slice at a time, checking limits between slices and
    /// switching to a fresh context where a stanza boundary asked for one.
    private func parse(_ start: UnsafeRawPointer, _ count: Int) {
        var p = start
        var remaining = count
        while remaining > 0, failure == nil, let context {
            // Between stanzas with nothing buffered, whitespace (keepalives) is root-level text
            // that would be ignored anyway: don't let it pile up in libxml2.
            if depth == 1, Int(xmlByteConsumed(context)) == contextFed {
                while remaining > 0, Self.isSpace(p.load(as: UInt8.self)) {
                    p += 1
                    remaining -= 1
                }
                boundary = contextFed
                if remaining == 0 { break }
            }
            let n = min(remaining, Self.sliceBytes)
            sliceStart = contextFed
            sliceCount = n
            xmlParseChunk(context, p.assumingMemoryBound(to: CChar.self), Int32(n), 0)
            contextFed += n
            if failure != nil { return }
            if let stop = recycleAt {
                // The old context stopped reporting at a stanza end inside this slice: the
                // rest of the slice goes to a fresh context.
                let used = stop - sliceStart
                recycle()
                p += used
                remaining -= used
                continue
            }
            if context.pointee.wellFormed == 0 {
                fail(.malformed("not well-formed"))
                return
            }
            if contextFed - boundary > limits.maxStanzaBytes {
                fail(.stanzaTooLarge(limit: limits.maxStanzaBytes))
                return
            }
            p += n
            remaining -= n
        }
    }

    static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    // MARK: Context

    func makeContext() {
        var handler = SAXHandler.make()
        let me = Unmanaged.passUnretained(self).toOpaque()
        guard let ctx = xmlCreatePushParserCtxt(&handler, me, nil, 0, nil) else {
            fail(.malformed("could not create a parser"))
            return
        }
        // No network, CDATA as text, the declared encoding ignored (UTF-8 is checked by the
        // prolog sniffer). Entities are NOT substituted (no XML_PARSE_NOENT).
        let options = XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_IGNORE_ENC.rawValue
        xmlCtxtUseOptions(ctx, Int32(options))
        context = ctx
        contextFed = 0
        boundary = 0
        stanzasInContext = 0
    }

    func freeContext() {
        if let context { xmlFreeParserCtxt(context) }
        context = nil
        names.removeAll()
        contextFed = 0
    }

    /// Replaces the context at a stanza boundary by a fresh one that has parsed a synthetic copy
    /// of the stream header; the caller sees nothing of it.
    private func recycle() {
        recycleAt = nil
        freeContext()
        makeContext()
        guard let context else { return }
        var header: [UInt8] = [UInt8(ascii: "<")]
        header += rootQName
        for d in rootDeclarations {
            header += Array(" xmlns".utf8)
            if let prefix = d.prefix { header.append(UInt8(ascii: ":")); header += Array(prefix.utf8) }
            header += Array("='".utf8)
            Serializer.appendEscaped(d.uri, &header, attribute: true)
            header.append(UInt8(ascii: "'"))
        }
        header.append(UInt8(ascii: ">"))
        priming = true
        depth = 0
        header.withUnsafeBytes { buffer in
            sliceStart = 0
            sliceCount = buffer.count
            _ = xmlParseChunk(context, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(buffer.count), 0)
        }
        contextFed = header.count
        boundary = contextFed
        if failure == nil, priming || depth != 1 {
            fail(.malformed("could not restart the parser on the stream header"))
        }
        recycleCount += 1
    }

    // MARK: Results

    /// Records the first error and silences libxml2 (it keeps scanning the current slice but
    /// reports nothing more; the context is never fed again).
    func fail(_ kind: XMLStreamError.Kind) {
        if failure == nil { failure = XMLStreamError(kind) }
        if let context { context.pointee.disableSAX = 1 }
    }

    /// Whether callbacks should be ignored: after an error, or after the old context was told
    /// to stop for recycling.
    @inline(__always)
    var silenced: Bool { failure != nil || recycleAt != nil }

    /// The context's current offset: just past the last token libxml2 parsed.
    @inline(__always)
    var consumed: Int {
        guard let context else { return contextFed }
        return Int(xmlByteConsumed(context))
    }

    // MARK: Fragments

    /// Parses XML fragments (tests, the scansion script runner): `xml` is wrapped in a synthetic
    /// root declaring `defaultNamespace` and the given `prefixes` (prefix → URI), and the
    /// root's child elements are returned (text between them is ignored).
    public static func parseFragment(_ xml: String, defaultNamespace: String, prefixes: [String: String] = [:]) throws(XMLStreamError) -> [Element] {
        var wrapped: [UInt8] = Array("<fragment xmlns='".utf8)
        Serializer.appendEscaped(defaultNamespace, &wrapped, attribute: true)
        wrapped.append(UInt8(ascii: "'"))
        for (prefix, uri) in prefixes.sorted(by: { $0.key < $1.key }) where !prefix.isEmpty && prefix != "xml" {
            wrapped += Array(" xmlns:\(prefix)='".utf8)
            Serializer.appendEscaped(uri, &wrapped, attribute: true)
            wrapped.append(UInt8(ascii: "'"))
        }
        wrapped.append(UInt8(ascii: ">"))
        wrapped += Array(xml.utf8)
        wrapped += Array("</fragment>".utf8)
        let parser = XMLStreamParser(limits: XMLStreamLimits(maxStanzaBytes: max(wrapped.count, 512 * 1024), maxDepth: 1000))
        var elements: [Element] = []
        var ended = false
        for event in try parser.feed(wrapped) {
            switch event {
            case .streamStart: break
            case .stanza(let e): elements.append(e)
            case .streamEnd: ended = true
            }
        }
        guard ended else { throw XMLStreamError(.malformed("unterminated fragment")) }
        return elements
    }
}

@available(*, unavailable)
extension XMLStreamParser: Sendable {}
