#if canImport(Glibc)
import Glibc
#endif

/// The kinds of top-level element the bench tells apart.
enum StanzaKind {
    case message, presence, iq, other
}

/// A read-only view of one serialized stanza: its kind and the few start-tag attributes the bench
/// needs, found by one pass over the start tag. Valid only while the bytes it points to are.
struct RawStanza {
    let p: UnsafePointer<UInt8>
    let n: Int
    private(set) var kind: StanzaKind = .other
    private(set) var to: Range<Int>?
    private(set) var from: Range<Int>?
    private(set) var type: Range<Int>?
    private(set) var id: Range<Int>?
    /// The `xml:lang` attribute.
    private(set) var lang: Range<Int>?
    /// Index of the `>` that ends the start tag.
    private(set) var tagEnd = 0

    /// `buffer` holds one element as the scanner delimited it (at least `<x>`).
    init(_ buffer: UnsafeRawBufferPointer) {
        if let base = buffer.baseAddress, buffer.count >= 2 {
            p = base.assumingMemoryBound(to: UInt8.self)
            n = buffer.count
            parseStartTag()
        } else {
            p = RawStanza.empty
            n = 0
        }
    }

    /// Stands in for an empty buffer.
    private static let empty: UnsafePointer<UInt8> = {
        let m = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        m.initialize(to: 0)
        return UnsafePointer(m)
    }()

    private mutating func parseStartTag() {
        var i = 1
        let nameStart = i
        while i < n, !Self.isNameEnd(p[i]) { i += 1 }
        switch i - nameStart {
        case 7 where Self.equal(p + nameStart, "message"): kind = .message
        case 8 where Self.equal(p + nameStart, "presence"): kind = .presence
        case 2 where Self.equal(p + nameStart, "iq"): kind = .iq
        default: kind = .other
        }
        while i < n {
            while i < n, Self.isSpace(p[i]) { i += 1 }
            guard i < n else { break }
            if p[i] == UInt8(ascii: ">") { tagEnd = i; return }
            if p[i] == UInt8(ascii: "/") { i += 1; continue }
            let an = i
            while i < n, p[i] != UInt8(ascii: "="), !Self.isSpace(p[i]), p[i] != UInt8(ascii: ">") { i += 1 }
            let nameLen = i - an
            while i < n, Self.isSpace(p[i]) || p[i] == UInt8(ascii: "=") { i += 1 }
            guard i < n else { break }
            let q = p[i]
            guard q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") else { continue }
            i += 1
            let vs = i
            while i < n, p[i] != q { i += 1 }
            let value = vs..<i
            i += 1
            switch nameLen {
            case 2 where p[an] == UInt8(ascii: "t") && p[an + 1] == UInt8(ascii: "o"): to = value
            case 2 where p[an] == UInt8(ascii: "i") && p[an + 1] == UInt8(ascii: "d"): id = value
            case 4 where Self.equal(p + an, "from"): from = value
            case 4 where Self.equal(p + an, "type"): type = value
            case 8 where Self.equal(p + an, "xml:lang"): lang = value
            default: break
            }
        }
        tagEnd = n - 1
    }

    // MARK: Queries

    /// Whether `type` equals `value` (false when absent).
    func typeIs(_ value: StaticString) -> Bool {
        guard let t = type, t.count == value.utf8CodeUnitCount else { return false }
        return memcmp(p + t.lowerBound, value.utf8Start, t.count) == 0
    }

    /// Whether `range` (of an attribute) begins with `prefix`.
    func range(_ range: Range<Int>?, hasPrefix prefix: StaticString) -> Bool {
        guard let r = range, r.count >= prefix.utf8CodeUnitCount else { return false }
        return memcmp(p + r.lowerBound, prefix.utf8Start, prefix.utf8CodeUnitCount) == 0
    }

    /// The first index of `needle` at or after `from`.
    func find(_ needle: StaticString, from: Int = 0) -> Int? {
        StreamScanner.find(needle, p, from: from, to: n)
    }

    /// Whether a `<status code='N'/>` with this code is present (either quote style).
    func hasStatus(_ single: StaticString, _ double: StaticString) -> Bool {
        find(single) != nil || find(double) != nil
    }

    /// The decimal number right after `prefix` inside `range` (e.g. `user` in `user12@…` → 12).
    func number(in range: Range<Int>?, after prefix: StaticString) -> Int? {
        guard let r = range, self.range(r, hasPrefix: prefix) else { return nil }
        return Self.decimal(p, from: r.lowerBound + prefix.utf8CodeUnitCount, to: r.upperBound)?.value
    }

    /// The decimal number right after the last `/` of `range` and `prefix` (a nick like `nick7`).
    func resourceNumber(in range: Range<Int>?, after prefix: StaticString) -> Int? {
        guard let r = range else { return nil }
        var i = r.upperBound - 1
        while i >= r.lowerBound, p[i] != UInt8(ascii: "/") { i -= 1 }
        guard i >= r.lowerBound else { return nil }
        let start = i + 1
        let plen = prefix.utf8CodeUnitCount
        guard r.upperBound - start > plen, memcmp(p + start, prefix.utf8Start, plen) == 0 else { return nil }
        guard let (v, end) = Self.decimal(p, from: start + plen, to: r.upperBound), end == r.upperBound else { return nil }
        return v
    }

    /// The bytes of a range, as a string (diagnostics).
    func string(_ range: Range<Int>?) -> String? {
        guard let r = range else { return nil }
        return String(decoding: UnsafeBufferPointer(start: p + r.lowerBound, count: r.count), as: UTF8.self)
    }

    /// The whole stanza as a string (diagnostics).
    var text: String { String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self) }

    // MARK: Helpers

    /// Parses digits at `from`; returns the value and the index after them (nil without a digit).
    @inline(__always)
    static func decimal(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> (value: Int, end: Int)? {
        var i = from
        var v = 0
        while i < to {
            let d = p[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            v = v &* 10 &+ Int(d)
            i += 1
        }
        return i > from ? (v, i) : nil
    }

    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ s: StaticString) -> Bool {
        memcmp(a, s.utf8Start, s.utf8CodeUnitCount) == 0
    }

    @inline(__always)
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D }

    @inline(__always)
    static func isNameEnd(_ c: UInt8) -> Bool { isSpace(c) || c == UInt8(ascii: ">") || c == UInt8(ascii: "/") }
}
