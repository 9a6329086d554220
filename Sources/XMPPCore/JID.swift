#if canImport(Glibc)
import Glibc
#endif
/// Why a string is not a valid JID (RFC 7622).
public enum JIDError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case emptyLocalpart
    case emptyDomainpart
    case emptyResourcepart
    case tooLong(part: String)
    case forbiddenCharacter(part: String, scalar: UInt32)
    case invalidDomain

    public var description: String {
        switch self {
        case .empty: return "empty JID"
        case .emptyLocalpart: return "empty localpart before '@'"
        case .emptyDomainpart: return "empty domainpart"
        case .emptyResourcepart: return "empty resourcepart after '/'"
        case .tooLong(let part): return "\(part) longer than 1023 bytes"
        case .forbiddenCharacter(let part, let scalar): return "forbidden character U+\(String(scalar, radix: 16, uppercase: true)) in \(part)"
        case .invalidDomain: return "invalid domainpart"
        }
    }
}

/// A bare JID: `localpart@domainpart` or `domainpart`, normalised (localpart and domain lowercased).
public struct BareJID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Normalised localpart, nil for a domain JID.
    public let localpart: String?
    /// Normalised domainpart.
    public let domain: String

    /// Parses and normalises; a resource is refused.
    public init(_ string: String) throws(JIDError) {
        let jid = try JID(string)
        guard jid.resource == nil else { throw .forbiddenCharacter(part: "bare JID", scalar: 0x2F) }
        self = jid.bare
    }

    /// Builds from already-validated parts.
    init(uncheckedLocal: String?, domain: String) {
        self.localpart = uncheckedLocal
        self.domain = domain
    }

    /// Builds from parts, validating and normalising each.
    public init(localpart: String?, domain: String) throws(JIDError) {
        self.localpart = try localpart.map { l throws(JIDError) in try JID.normaliseLocalpart(Substring(l)) }
        self.domain = try JID.normaliseDomain(Substring(domain))
    }

    /// This bare JID with a resource; the resource is validated.
    public func with(resource: String) throws(JIDError) -> FullJID {
        FullJID(bare: self, resource: try JID.validateResource(Substring(resource)))
    }

    public var description: String { localpart.map { "\($0)@\(domain)" } ?? domain }
    public var jid: JID { JID(bare: self, resource: nil) }

    /// The order of the JIDs' UTF-8 strings (`description`) byte by byte: the order in which the
    /// SQL stores list rooms (`BINARY`, `COLLATE "C"`), so that pages merged from a store and from
    /// memory agree. Compared without building the strings: sorting the public rooms of a large
    /// service must not allocate two strings per comparison.
    public static func < (a: BareJID, b: BareJID) -> Bool {
        guard let x = a.localpart, let y = b.localpart else {
            // A domain JID on one side (rare): compare the strings themselves.
            return a.description.utf8.lexicographicallyPrecedes(b.description.utf8)
        }
        // Both `local@domain`: the localparts decide unless equal, a shorter one going on with "@".
        let local = compareUTF8(x, y, atEndOfShorter: UInt8(ascii: "@"))
        if local != 0 { return local < 0 }
        return compareUTF8(a.domain, b.domain, atEndOfShorter: nil) < 0
    }
}

/// Compares two strings' UTF-8 bytes (memcmp over their contiguous storage). When one is a proper
/// prefix of the other and `atEndOfShorter` is given, the shorter one is taken to continue with
/// that byte; otherwise the shorter one is less. Negative, zero or positive.
private func compareUTF8(_ a: String, _ b: String, atEndOfShorter next: UInt8?) -> Int {
    var a = a, b = b
    return a.withUTF8 { p in
        b.withUTF8 { q in
            let n = min(p.count, q.count)
            if n > 0 {
                let c = memcmp(p.baseAddress!, q.baseAddress!, n)
                if c != 0 { return Int(c) }
            }
            if p.count == q.count { return 0 }
            guard let next else { return p.count - q.count }
            let after = p.count < q.count ? Int(next) - Int(q[n]) : Int(p[n]) - Int(next)
            return after != 0 ? after : p.count - q.count
        }
    }
}

/// A full JID: a bare JID with a resourcepart. In MUC, an occupant's room JID is `room@service/nick`.
public struct FullJID: Hashable, Sendable, CustomStringConvertible {
    public let bare: BareJID
    /// Resourcepart exactly as given (case is significant), validated.
    public let resource: String

    /// Parses and normalises; a resource is required.
    public init(_ string: String) throws(JIDError) {
        let jid = try JID(string)
        guard let r = jid.resource else { throw .emptyResourcepart }
        self.bare = jid.bare
        self.resource = r
    }

    init(bare: BareJID, resource: String) {
        self.bare = bare
        self.resource = resource
    }

    public var description: String { "\(bare)/\(resource)" }
    public var jid: JID { JID(bare: bare, resource: resource) }
}

/// Any JID: bare or full. Parsing follows RFC 7622 §3 as far as is possible without a PRECIS
/// library: the parts are split at the first `@` before the first `/` and at the first `/`;
/// the localpart and domainpart are lowercased; each part is limited to 1023 bytes; characters
/// RFC 7622 forbids (and control characters and whitespace where a part may not hold them) are refused.
public struct JID: Hashable, Sendable, CustomStringConvertible {
    public let bare: BareJID
    public let resource: String?

    public init(bare: BareJID, resource: String?) {
        self.bare = bare
        self.resource = resource
    }

    public init(_ string: String) throws(JIDError) {
        if let jid = JID.parseSimpleASCII(string) {
            self = jid
        } else {
            self = try JID.parseFully(string)
        }
    }

    /// The full RFC 7622 parse (every JID the fast path leaves).
    static func parseFully(_ string: String) throws(JIDError) -> JID {
        guard !string.isEmpty else { throw .empty }
        let s = Substring(string)
        // Split on code points, not grapheme clusters: "/" followed by a combining mark is still a separator.
        let slash = s.unicodeScalars.firstIndex(of: "/")
        let beforeSlash = slash.map { s[..<$0] } ?? s
        let at = beforeSlash.unicodeScalars.firstIndex(of: "@")
        var local: String? = nil
        let domainPart: Substring
        if let at {
            let l = beforeSlash[..<at]
            guard !l.isEmpty else { throw .emptyLocalpart }
            local = try JID.normaliseLocalpart(l)
            domainPart = beforeSlash[beforeSlash.unicodeScalars.index(after: at)...]
        } else {
            domainPart = beforeSlash
        }
        let domain = try JID.normaliseDomain(domainPart)
        var res: String? = nil
        if let slash {
            res = try JID.validateResource(s[s.unicodeScalars.index(after: slash)...])
        }
        return JID(bare: BareJID(uncheckedLocal: local, domain: domain), resource: res)
    }

    /// The JIDs a server routes are nearly all lowercase printable ASCII: parse those in one pass
    /// over the bytes, without Unicode work. Returns nil for anything else — uppercase, spaces,
    /// non-ASCII, a character a part may not hold, a trailing dot, an IP literal, an over-long part,
    /// any error — and the full parser decides; so the result is always what it would give.
    static func parseSimpleASCII(_ string: String) -> JID? {
        var string = string
        return string.withUTF8 { bytes -> JID? in
            let n = bytes.count
            // Split where the full parser does: the first "/", and the first "@" before it.
            var slash = n, at = -1
            for i in 0..<n {
                let b = bytes[i]
                if b == UInt8(ascii: "/") { slash = i; break }
                if b == UInt8(ascii: "@") {
                    guard at < 0 else { return nil }
                    at = i
                }
            }
            guard at != 0, at <= 1023, slash - (at + 1) > 0, slash - (at + 1) <= 1023 else { return nil }
            // Localpart and domain: printable ASCII, no uppercase, none of the excluded characters.
            for i in 0..<slash where i != at {
                switch bytes[i] {
                case 0x21...0x7E:
                    switch bytes[i] {
                    case UInt8(ascii: "A")...UInt8(ascii: "Z"), 0x22, 0x26, 0x27, 0x3A, 0x3C, 0x3E:
                        return nil
                    case 0x5B, 0x5C, 0x5D where i > at:
                        return nil
                    default:
                        break
                    }
                default:
                    return nil
                }
            }
            // Domain labels: none empty, no trailing dot (the full parser strips one).
            var previousWasDot = true
            for i in (at + 1)..<slash {
                let dot = bytes[i] == UInt8(ascii: ".")
                if dot && previousWasDot { return nil }
                previousWasDot = dot
            }
            if previousWasDot { return nil }
            // Resource: printable ASCII but space.
            if slash < n {
                guard n - slash - 1 > 0, n - slash - 1 <= 1023 else { return nil }
                for i in (slash + 1)..<n where !(0x21...0x7E).contains(bytes[i]) { return nil }
            }
            func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[r]), as: UTF8.self) }
            return JID(bare: BareJID(uncheckedLocal: at > 0 ? text(0..<at) : nil, domain: text((at + 1)..<slash)),
                       resource: slash < n ? text((slash + 1)..<n) : nil)
        }
    }

    public var localpart: String? { bare.localpart }
    public var domain: String { bare.domain }
    /// The full JID, when there is a resource.
    public var full: FullJID? { resource.map { FullJID(bare: bare, resource: $0) } }

    public var description: String {
        if let resource { return "\(bare)/\(resource)" }
        return bare.description
    }

    // MARK: Normalisation

    static func normaliseLocalpart(_ l: Substring) throws(JIDError) -> String {
        guard !l.isEmpty else { throw .emptyLocalpart }
        guard l.utf8.count <= 1023 else { throw .tooLong(part: "localpart") }
        for u in l.unicodeScalars {
            switch u.value {
            // RFC 7622 §3.3.1: these are excluded from the localpart.
            case 0x22, 0x26, 0x27, 0x2F, 0x3A, 0x3C, 0x3E, 0x40:
                throw .forbiddenCharacter(part: "localpart", scalar: u.value)
            default:
                if isSpaceOrControl(u) { throw .forbiddenCharacter(part: "localpart", scalar: u.value) }
            }
        }
        return isASCIILower(l) ? String(l) : l.lowercased()
    }

    static func normaliseDomain(_ d: Substring) throws(JIDError) -> String {
        var d = d
        // RFC 7622 §3.2: a trailing dot is stripped before comparison.
        if d.hasSuffix(".") { d = d.dropLast() }
        guard !d.isEmpty else { throw .emptyDomainpart }
        guard d.utf8.count <= 1023 else { throw .tooLong(part: "domainpart") }
        if d.first == "[" {
            // IPv6 literal.
            guard d.last == "]", d.count > 2 else { throw .invalidDomain }
            for u in d.dropFirst().dropLast().unicodeScalars {
                guard u.properties.isASCIIHexDigit || u == ":" || u == "." else { throw .invalidDomain }
            }
            return d.lowercased()
        }
        var labelLength = 0
        for u in d.unicodeScalars {
            if u == "." {
                guard labelLength > 0 else { throw .invalidDomain }
                labelLength = 0
                continue
            }
            labelLength += 1
            switch u.value {
            case 0x22, 0x26, 0x27, 0x2F, 0x3A, 0x3C, 0x3E, 0x40, 0x5B, 0x5D, 0x5C:
                throw .forbiddenCharacter(part: "domainpart", scalar: u.value)
            default:
                if isSpaceOrControl(u) { throw .forbiddenCharacter(part: "domainpart", scalar: u.value) }
            }
        }
        // An empty last label ("example.com.." once one trailing dot is stripped).
        guard labelLength > 0 else { throw .invalidDomain }
        return isASCIILower(d) ? String(d) : d.lowercased()
    }

    static func validateResource(_ r: Substring) throws(JIDError) -> String {
        guard !r.isEmpty else { throw .emptyResourcepart }
        guard r.utf8.count <= 1023 else { throw .tooLong(part: "resourcepart") }
        for u in r.unicodeScalars where isControl(u) || isNonCharacter(u) {
            throw .forbiddenCharacter(part: "resourcepart", scalar: u.value)
        }
        return String(r)
    }

    static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (u.value >= 0x7F && u.value <= 0x9F)
    }

    static func isNonCharacter(_ u: Unicode.Scalar) -> Bool {
        // ASCII is always assigned: skip the property tables on the common path.
        if u.value < 0x80 { return false }
        return u.properties.isNoncharacterCodePoint || u.properties.generalCategory == .unassigned
            || u.properties.generalCategory == .privateUse || u.properties.generalCategory == .surrogate
    }

    static func isSpaceOrControl(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return u.value <= 0x20 || u.value == 0x7F }
        return isControl(u) || isNonCharacter(u) || u.properties.isWhitespace
    }

    static func isASCIILower(_ s: Substring) -> Bool {
        for b in s.utf8 where b >= 0x80 || (b >= 0x41 && b <= 0x5A) { return false }
        return true
    }
}
