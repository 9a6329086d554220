#if canImport(Glibc)
import Glibc
#endif

/// What the scanner found in the stream.
enum ScanEvent {
    /// The root's start tag (`<stream:stream …>`), bytes from `<` to `>`.
    case header
    /// One complete child of the root (a stanza, `<handshake/>`, `<stream:error/>`…).
    case stanza
    /// The root's end tag.
    case end
}

/// Why the scanner gave up.
struct ScanError: Error, CustomStringConvertible {
    let description: String
}

/// Splits an XMPP stream into its top-level elements by scanning bytes: the bench's receive hot
/// path. It tracks only tag nesting and quoting, which is all that is needed to find where each
/// stanza ends in the well-formed output of a server or of the service; it does not check
/// well-formedness (the `--validate-xml` option runs the real parser beside it for that).
final class StreamScanner {
    /// Bytes of an incomplete element carried over from the previous read.
    private var pending: [UInt8] = []
    /// Whether the root start tag was seen (and its end not yet).
    private(set) var inStream = false
    private(set) var ended = false
    /// A stanza larger than this is an error (protects the bench from a runaway peer).
    var maxStanzaBytes = 16 * 1024 * 1024

    /// Feeds the next bytes; `body` is called with each complete event and its bytes, which are
    /// valid only during the call.
    func feed(_ bytes: UnsafeRawBufferPointer, _ body: (ScanEvent, UnsafeRawBufferPointer) -> Void) throws(ScanError) {
        guard bytes.count > 0, !ended else { return }
        if pending.isEmpty {
            let used = try scan(bytes, body)
            if used < bytes.count { pending.append(contentsOf: bytes[used...]) }
        } else {
            pending.append(contentsOf: bytes)
            let all = pending
            let outcome = all.withUnsafeBytes { buffer in
                Result { () throws(ScanError) -> Int in try scan(buffer, body) }
            }
            pending.removeFirst(try outcome.get())
        }
        if pending.count > maxStanzaBytes { throw ScanError(description: "a stanza exceeds \(maxStanzaBytes) bytes") }
    }

    /// Scans as many complete events as possible; returns the bytes consumed.
    private func scan(_ buffer: UnsafeRawBufferPointer, _ body: (ScanEvent, UnsafeRawBufferPointer) -> Void) throws(ScanError) -> Int {
        guard let raw = buffer.baseAddress else { return 0 }
        let p = raw.assumingMemoryBound(to: UInt8.self)
        let n = buffer.count
        var i = 0
        while i < n && !ended {
            // Find the next markup; text between top-level elements (keepalive whitespace) is skipped.
            guard let lt = Self.index(of: UInt8(ascii: "<"), p, from: i, to: n) else { return n }
            i = lt
            guard i + 1 < n else { return i }
            let c = p[i + 1]
            if c == UInt8(ascii: "?") || c == UInt8(ascii: "!") {
                guard let after = Self.skipSpecial(p, at: i, n) else { return i }
                i = after
                continue
            }
            if !inStream {
                if c == UInt8(ascii: "/") { throw ScanError(description: "end tag before the stream header") }
                guard let gt = Self.endOfTag(p, from: i, n) else { return i }
                body(.header, UnsafeRawBufferPointer(start: p + i, count: gt + 1 - i))
                inStream = true
                i = gt + 1
                continue
            }
            if c == UInt8(ascii: "/") {
                guard let gt = Self.index(of: UInt8(ascii: ">"), p, from: i, to: n) else { return i }
                body(.end, UnsafeRawBufferPointer(start: p + i, count: gt + 1 - i))
                inStream = false
                ended = true
                return gt + 1
            }
            guard let end = try Self.endOfElement(p, from: i, n) else { return i }
            body(.stanza, UnsafeRawBufferPointer(start: p + i, count: end - i))
            i = end
        }
        return i
    }

    /// The index just past the element starting with the `<` at `start`, or nil when incomplete.
    private static func endOfElement(_ p: UnsafePointer<UInt8>, from start: Int, _ n: Int) throws(ScanError) -> Int? {
        var depth = 0
        var j = start
        while true {
            // p[j] == '<'
            guard j + 1 < n else { return nil }
            let c = p[j + 1]
            if c == UInt8(ascii: "/") {
                guard let gt = index(of: UInt8(ascii: ">"), p, from: j, to: n) else { return nil }
                depth -= 1
                j = gt + 1
                if depth == 0 { return j }
                if depth < 0 { throw ScanError(description: "unbalanced end tag") }
            } else if c == UInt8(ascii: "?") || c == UInt8(ascii: "!") {
                guard let after = skipSpecial(p, at: j, n) else { return nil }
                j = after
            } else {
                guard let gt = endOfTag(p, from: j, n) else { return nil }
                if p[gt - 1] != UInt8(ascii: "/") { depth += 1 }
                j = gt + 1
                if depth == 0 { return j }
            }
            guard let lt = index(of: UInt8(ascii: "<"), p, from: j, to: n) else { return nil }
            j = lt
        }
    }

    /// The index of the `>` closing the tag that starts at `from`, skipping quoted values.
    @inline(__always)
    static func endOfTag(_ p: UnsafePointer<UInt8>, from: Int, _ n: Int) -> Int? {
        var k = from + 1
        var quote: UInt8 = 0
        while k < n {
            let c = p[k]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                quote = c
            } else if c == UInt8(ascii: ">") {
                return k
            }
            k += 1
        }
        return nil
    }

    /// Skips `<?…?>`, `<!--…-->` or `<![CDATA[…]]>` starting at `at`; nil when incomplete.
    private static func skipSpecial(_ p: UnsafePointer<UInt8>, at: Int, _ n: Int) -> Int? {
        let terminator: StaticString
        if p[at + 1] == UInt8(ascii: "?") {
            terminator = "?>"
        } else if at + 3 < n, p[at + 2] == UInt8(ascii: "-") {
            terminator = "-->"
        } else if at + 2 < n, p[at + 2] == UInt8(ascii: "[") {
            terminator = "]]>"
        } else {
            // A DOCTYPE or similar: not in XMPP; skip to the next '>'.
            return index(of: UInt8(ascii: ">"), p, from: at, to: n).map { $0 + 1 }
        }
        guard let found = find(terminator, p, from: at + 2, to: n) else { return nil }
        return found + terminator.utf8CodeUnitCount
    }

    @inline(__always)
    static func index(of byte: UInt8, _ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let hit = memchr(p + from, Int32(byte), to - from) else { return nil }
        return p.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// The first index of `needle` in `p[from..<to]` (memchr for its first byte, then memcmp).
    @inline(__always)
    static func find(_ needle: StaticString, _ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        let m = needle.utf8CodeUnitCount
        guard m > 0 else { return from }
        let first = needle.utf8Start.pointee
        var i = from
        while i + m <= to {
            guard let hit = index(of: first, p, from: i, to: to - m + 1) else { return nil }
            if memcmp(p + hit, needle.utf8Start, m) == 0 { return hit }
            i = hit + 1
        }
        return nil
    }
}
