/// Checks the first bytes of a stream before libxml2 sees them: libxml2 quietly accepts a
/// UTF-16 stream with a byte order mark and, with `XML_PARSE_IGNORE_ENC`, ignores a declared
/// encoding, so both are refused here. The UTF-8 byte order mark is swallowed.
struct PrologSniffer {
    private enum State {
        /// Nothing seen yet.
        case start
        /// Inside the UTF-8 byte order mark, this many bytes matched.
        case byteOrderMark(Int)
        /// Whitespace (or the byte order mark) seen, waiting for '<'.
        case leading
        /// After the first '<': collecting what may be an XML declaration.
        case declaration
        /// Decided; everything else is libxml2's job.
        case done
    }

    private var state = State.start
    private var declaration: [UInt8] = []

    /// The longest XML declaration we wait for.
    private static let maxDeclarationBytes = 512
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let xmlDeclStart = Array("<?xml".utf8)

    var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// Looks at the next bytes of the stream; returns how many leading bytes must not be passed
    /// to libxml2 (parts of the byte order mark, which only ever come first).
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(XMLStreamError) -> Int {
        var skip = 0
        for (i, byte) in bytes.enumerated() {
            switch state {
            case .done:
                return skip
            case .start:
                if byte == 0xEF {
                    state = .byteOrderMark(1)
                    skip = i + 1
                } else {
                    try first(byte)
                }
            case .byteOrderMark(let n):
                guard byte == Self.bom[n] else { throw XMLStreamError(.invalidUTF8) }
                skip = i + 1
                state = n + 1 == Self.bom.count ? .leading : .byteOrderMark(n + 1)
            case .leading:
                try first(byte)
            case .declaration:
                try declarationByte(byte)
            }
        }
        return skip
    }

    private mutating func first(_ byte: UInt8) throws(XMLStreamError) {
        switch byte {
        case 0x20, 0x09, 0x0A, 0x0D:
            state = .leading
        case UInt8(ascii: "<"):
            state = .declaration
            declaration = [byte]
        case 0xFE, 0xFF, 0x00:
            // UTF-16 or UTF-32, with or without a byte order mark.
            throw XMLStreamError(.unsupportedEncoding)
        default:
            throw XMLStreamError(.malformed("the stream does not start with '<'"))
        }
    }

    private mutating func declarationByte(_ byte: UInt8) throws(XMLStreamError) {
        // A NUL right after '<' is what UTF-16 without a byte order mark looks like.
        if byte == 0 { throw XMLStreamError(.unsupportedEncoding) }
        declaration.append(byte)
        let n = declaration.count
        if n <= Self.xmlDeclStart.count {
            if byte != Self.xmlDeclStart[n - 1] { finish() }
            return
        }
        if n == Self.xmlDeclStart.count + 1 {
            // `<?xml` must be followed by whitespace; otherwise it is a processing instruction
            // (`<?xml-stylesheet …`), which libxml2 reports to us.
            if !Self.isSpace(byte) { finish() }
            return
        }
        // Only ASCII belongs in a declaration; refusing the rest here also keeps the verdict on
        // a bad byte independent of chunking (this check runs before UTF-8 validation).
        if byte >= 0x80 { throw XMLStreamError(.malformed("non-ASCII byte in the XML declaration")) }
        if byte == UInt8(ascii: ">") && declaration[n - 2] == UInt8(ascii: "?") {
            let encoding = Self.declaredEncoding(declaration)
            finish()
            if let encoding, !Self.isUTF8Name(encoding) { throw XMLStreamError(.unsupportedEncoding) }
            return
        }
        if n > Self.maxDeclarationBytes { throw XMLStreamError(.malformed("XML declaration too long")) }
    }

    private mutating func finish() {
        state = .done
        declaration = []
    }

    private static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    /// The value of the `encoding` pseudo-attribute, if the declaration has a readable one
    /// (libxml2 reports a malformed declaration itself).
    static func declaredEncoding(_ decl: [UInt8]) -> [UInt8]? {
        let key = Array("encoding".utf8)
        guard decl.count > key.count else { return nil }
        var i = 0
        while i + key.count <= decl.count {
            if decl[i..<(i + key.count)].elementsEqual(key) { break }
            i += 1
        }
        guard i + key.count <= decl.count else { return nil }
        i += key.count
        while i < decl.count, isSpace(decl[i]) { i += 1 }
        guard i < decl.count, decl[i] == UInt8(ascii: "=") else { return nil }
        i += 1
        while i < decl.count, isSpace(decl[i]) { i += 1 }
        guard i < decl.count, decl[i] == UInt8(ascii: "'") || decl[i] == UInt8(ascii: "\"") else { return nil }
        let quote = decl[i]
        i += 1
        guard let end = decl[i...].firstIndex(of: quote) else { return nil }
        return Array(decl[i..<end])
    }

    static func isUTF8Name(_ name: [UInt8]) -> Bool {
        let lowered = name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        return lowered == Array("utf-8".utf8) || lowered == Array("utf8".utf8)
    }
}
