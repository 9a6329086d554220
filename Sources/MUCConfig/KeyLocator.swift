/// Finds the line each key of a TOML document is written on.
///
/// TOMLKit reports positions only for syntax errors, not for the nodes of a parsed document, so
/// error messages about keys get their line numbers from this small scanner. It runs on text
/// TOMLKit has already accepted and so need not diagnose anything; it must only never trap or
/// loop, whatever the input. It understands table headers, array-of-table headers, bare, quoted
/// and dotted keys, every string form (so a `#` or `[` inside a string fools nothing), arrays
/// across lines and inline tables (whose keys it records too).
struct KeyLocator {
    private let lines: [[String]: Int]

    init(_ text: String) {
        var scanner = LocatingScanner(Array(text.utf8))
        scanner.document()
        lines = scanner.found
    }

    /// The line a key path is first written on: `["component", "port"]` for `port` under
    /// `[component]`, for `component.port = …` or for `component = { port = … }`. A table's own
    /// path gives the line of its header (or of the first key that creates it).
    func line(of path: [String]) -> Int? { lines[path] }

    /// As `line(of:)` for a dotted key such as `component.port` (whose parts hold no dots).
    func line(ofDotted key: String) -> Int? {
        lines[key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)]
    }
}

/// The byte-level scanner behind `KeyLocator`. Every move goes through `advance()`, which keeps
/// the line count.
private struct LocatingScanner {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var found: [[String]: Int] = [:]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    // ASCII bytes used below.
    static let lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, space: UInt8 = 0x20, tab: UInt8 = 0x09
    static let hash: UInt8 = 0x23, quote: UInt8 = 0x22, apostrophe: UInt8 = 0x27, backslash: UInt8 = 0x5C
    static let openBracket: UInt8 = 0x5B, closeBracket: UInt8 = 0x5D, openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D
    static let dot: UInt8 = 0x2E, equals: UInt8 = 0x3D, comma: UInt8 = 0x2C

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }
    func peek(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    mutating func advance() {
        guard index < bytes.count else { return }
        if bytes[index] == Self.lf { line += 1 }
        index += 1
    }

    mutating func record(_ path: [String], line: Int) {
        if found[path] == nil { found[path] = line }
    }

    // MARK: Document structure

    mutating func document() {
        var table: [String] = []
        while index < bytes.count {
            skipBlank(newlines: true)
            guard let c = current else { break }
            let start = index
            if c == Self.openBracket {
                let headerLine = line
                advance()
                if current == Self.openBracket { advance() }
                let path = key()
                for n in stride(from: 1, through: path.count, by: 1) { record(Array(path[..<n]), line: headerLine) }
                table = path
            } else {
                keyValue(prefix: table)
            }
            skipRestOfLine()
            if index == start { advance() }
        }
    }

    /// `key = value`, recording the key (and the tables a dotted key creates) under `prefix`.
    mutating func keyValue(prefix: [String]) {
        skipBlank(newlines: false)
        let keyLine = line
        let parts = key()
        guard !parts.isEmpty else { return }
        let full = prefix + parts
        for n in stride(from: prefix.count + 1, through: full.count, by: 1) { record(Array(full[..<n]), line: keyLine) }
        skipBlank(newlines: false)
        guard current == Self.equals else { return }
        advance()
        skipBlank(newlines: false)
        value(path: full)
    }

    /// A possibly dotted key; empty when there is none here.
    mutating func key() -> [String] {
        var parts: [String] = []
        while true {
            skipBlank(newlines: false)
            guard let c = current else { break }
            if c == Self.quote {
                parts.append(basicString())
            } else if c == Self.apostrophe {
                parts.append(literalString())
            } else if Self.isBareKeyByte(c) {
                var part: [UInt8] = []
                while let b = current, Self.isBareKeyByte(b) {
                    part.append(b)
                    advance()
                }
                parts.append(String(decoding: part, as: UTF8.self))
            } else {
                break
            }
            skipBlank(newlines: false)
            guard current == Self.dot else { break }
            advance()
        }
        return parts
    }

    mutating func value(path: [String]) {
        guard let c = current else { return }
        switch c {
        case Self.quote:
            if peek(1) == Self.quote && peek(2) == Self.quote { multilineString(Self.quote) } else { _ = basicString() }
        case Self.apostrophe:
            if peek(1) == Self.apostrophe && peek(2) == Self.apostrophe { multilineString(Self.apostrophe) } else { _ = literalString() }
        case Self.openBracket:
            advance()
            container(path: path, closing: Self.closeBracket, holdsKeys: false)
        case Self.openBrace:
            advance()
            container(path: path, closing: Self.closeBrace, holdsKeys: true)
        default:
            // Numbers, booleans, dates: run to the next delimiter.
            while let b = current, !Self.endsScalar(b) { advance() }
        }
    }

    /// The inside of an array (values) or an inline table (key/value pairs), up to `closing`.
    mutating func container(path: [String], closing: UInt8, holdsKeys: Bool) {
        while true {
            skipBlank(newlines: true)
            guard let c = current else { return }
            if c == closing { advance(); return }
            if c == Self.comma { advance(); continue }
            let start = index
            if holdsKeys { keyValue(prefix: path) } else { value(path: path) }
            if index == start { advance() }
        }
    }

    // MARK: Strings

    /// A `"…"` string with its escapes decoded (only keys need the value).
    mutating func basicString() -> String {
        advance()
        var out: [UInt8] = []
        while let c = current, c != Self.lf {
            if c == Self.quote { advance(); break }
            if c == Self.backslash {
                advance()
                guard let e = current, e != Self.lf else { break }
                advance()
                switch e {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "e"): out.append(0x1B)
                case UInt8(ascii: "u"): out.append(contentsOf: hexScalar(digits: 4))
                case UInt8(ascii: "U"): out.append(contentsOf: hexScalar(digits: 8))
                default: out.append(e)
                }
                continue
            }
            out.append(c)
            advance()
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The UTF-8 of a `\u`/`\U` escape's scalar; empty when malformed.
    mutating func hexScalar(digits: Int) -> [UInt8] {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let c = current, let d = Self.hexValue(c) else { return [] }
            value = value &* 16 &+ UInt32(d)
            advance()
        }
        guard let scalar = Unicode.Scalar(value) else { return [] }
        return Array(String(Character(scalar)).utf8)
    }

    /// A `'…'` string: no escapes.
    mutating func literalString() -> String {
        advance()
        var out: [UInt8] = []
        while let c = current, c != Self.lf {
            advance()
            if c == Self.apostrophe { break }
            out.append(c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `"""…"""` or `'''…'''`; up to two extra quotes may close it (TOML allows `""""a"""""`).
    mutating func multilineString(_ q: UInt8) {
        advance(); advance(); advance()
        while let c = current {
            if q == Self.quote && c == Self.backslash {
                advance()
                advance()
                continue
            }
            if c == q && peek(1) == q && peek(2) == q {
                advance(); advance(); advance()
                var extra = 0
                while extra < 2, current == q {
                    advance()
                    extra += 1
                }
                return
            }
            advance()
        }
    }

    // MARK: Blanks

    /// Spaces, tabs and comments; line breaks too when `newlines`.
    mutating func skipBlank(newlines: Bool) {
        while let c = current {
            if c == Self.space || c == Self.tab || c == Self.cr {
                advance()
            } else if c == Self.lf && newlines {
                advance()
            } else if c == Self.hash {
                while let b = current, b != Self.lf { advance() }
            } else {
                return
            }
        }
    }

    mutating func skipRestOfLine() {
        while let c = current {
            advance()
            if c == Self.lf { return }
        }
    }

    static func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2D
    }

    static func endsScalar(_ b: UInt8) -> Bool {
        b == space || b == tab || b == cr || b == lf || b == comma || b == closeBracket || b == closeBrace || b == hash
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}
