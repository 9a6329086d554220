/// Room nickname rules.
///
/// XEP-0045 §17.1 asks for Resourceprep-conforming, non-empty, visible nicks and leaves stricter
/// rules to the service. A nick is used exactly as sent (compared case-sensitively, like a
/// resourcepart) and is never rewritten: one that a normalisation would change is refused with
/// jid-malformed (modify) rather than silently altered, so that two nicks that look the same
/// cannot both be in a room. Checked without Foundation, with the standard library's Unicode
/// properties. A nick is refused when it:
/// - is empty, longer than 1023 bytes, or has no visible character (§17.1);
/// - is not in Unicode Normalization Form C (RFC 7622 §3.4: resourceparts are NFC);
/// - holds a control, unassigned, private-use or surrogate code point or a non-character;
/// - holds a space other than U+0020, starts or ends with a space, or has two spaces in a row
///   (the mappings of the PRECIS Nickname profile, RFC 8266 §2.2, would change it);
/// - holds a default-ignorable code point (zero-width spaces, bidirectional controls, soft hyphen,
///   Hangul fillers, …) other than the zero-width joiners and variation selectors that emoji use;
/// - starts with a combining mark;
/// - holds a compatibility character that NFKC would replace (fullwidth and halfwidth forms,
///   circled and mathematical letters, super- and subscripts, ligatures, Roman numerals, micro
///   sign, long s, Greek symbol forms, …). This is detected from the `changesWhenNFKCCaseFolded`
///   property, plus a short list of the characters that case folding alone would also change
///   (`foldingCompatibility`).
/// The bidi rule of RFC 5893 is not applied (the standard library does not expose bidi classes);
/// explicit bidi controls are refused above.
enum Nick {
    /// Whether `nick` may be used.
    static func isValid(_ nick: String) -> Bool { problem(nick) == nil }

    /// Why `nick` may not be used, or nil when it may.
    static func problem(_ nick: String) -> String? {
        guard !nick.isEmpty else { return "The nickname is empty" }
        guard nick.utf8.count <= 1023 else { return "The nickname is too long" }
        switch asciiVerdict(nick) {
        case .valid: return nil
        case .refused(let problem): return problem
        case .notASCII: break
        }
        var visible = false
        var previousWasSpace = false
        var first = true
        var ascii = true
        for u in nick.unicodeScalars {
            let p = u.properties
            if u.value >= 0x80 { ascii = false }
            if u == " " {
                if first || previousWasSpace { return "The nickname has a leading space or two spaces in a row" }
                previousWasSpace = true
                first = false
                continue
            }
            previousWasSpace = false
            switch p.generalCategory {
            case .control, .unassigned, .privateUse, .surrogate:
                return "The nickname contains a forbidden character"
            case .spaceSeparator, .lineSeparator, .paragraphSeparator:
                return "The nickname contains a space other than U+0020"
            case .nonspacingMark, .spacingMark, .enclosingMark:
                if first { return "The nickname starts with a combining mark" }
            default:
                break
            }
            if p.isNoncharacterCodePoint { return "The nickname contains a forbidden character" }
            if p.isDefaultIgnorableCodePoint || p.isBidiControl {
                guard p.isVariationSelector || u.value == 0x200C || u.value == 0x200D else {
                    return "The nickname contains an invisible or bidirectional control character"
                }
            } else if isCompatibilityVariant(u) {
                return "The nickname contains a compatibility character (use its normal form)"
            }
            if !p.isWhitespace && p.generalCategory != .format { visible = true }
            first = false
        }
        if previousWasSpace { return "The nickname ends with a space" }
        guard visible else { return "The nickname has no visible character" }
        if !ascii && Array(nick.utf8) != nick._nfcCodeUnits { return "The nickname is not in Unicode normalization form C" }
        return nil
    }

    enum ASCIIVerdict { case valid, refused(String), notASCII }

    /// The common case, decided without Unicode property tables: a nick of printable ASCII (no
    /// control characters; none of them is changed by NFC or NFKC). `.notASCII` when the nick holds
    /// anything else: the full check decides.
    static func asciiVerdict(_ nick: String) -> ASCIIVerdict {
        var previousWasSpace = false
        var visible = false
        for (i, byte) in nick.utf8.enumerated() {
            guard byte >= 0x20 && byte < 0x7F else { return .notASCII }
            if byte == 0x20 {
                if i == 0 || previousWasSpace { return .refused("The nickname has a leading space or two spaces in a row") }
                previousWasSpace = true
            } else {
                previousWasSpace = false
                visible = true
            }
        }
        if previousWasSpace { return .refused("The nickname ends with a space") }
        return visible ? .valid : .refused("The nickname has no visible character")
    }

    /// Compatibility characters the property test below cannot tell from case variants, because
    /// case folding maps them to the same letter NFKC does (UnicodeData.txt `<compat>`
    /// decompositions): MICRO SIGN, LONG S, LONG S WITH DOT ABOVE, and the Greek symbol forms
    /// (beta, theta, capital theta, phi, pi, kappa, rho and lunate epsilon symbols).
    static let foldingCompatibility: Set<UInt32> = [
        0x00B5, 0x017F, 0x1E9B, 0x03D0, 0x03D1, 0x03D5, 0x03D6, 0x03F0, 0x03F1, 0x03F4, 0x03F5,
    ]

    /// Whether NFKC would replace `u` by something else (a compatibility character).
    static func isCompatibilityVariant(_ u: Unicode.Scalar) -> Bool {
        let p = u.properties
        guard p.changesWhenNFKCCaseFolded else { return false }
        if foldingCompatibility.contains(u.value) { return true }
        // NFKC_Casefold changes it but case folding alone does not: NFKC does (canonical
        // singletons are caught by the NFC check instead).
        if !p.changesWhenCaseFolded { return true }
        // A cased character: judge its lowercase form (FULLWIDTH A → fullwidth a → a).
        let lower = p.lowercaseMapping
        if lower.unicodeScalars.count != 1 || lower.unicodeScalars.first != u {
            for l in lower.unicodeScalars where l.properties.changesWhenNFKCCaseFolded && !l.properties.changesWhenCaseFolded {
                return true
            }
            return false
        }
        // Folds but does not lowercase (ß, final sigma, ligatures): only the Latin and Armenian
        // presentation-form ligatures are compatibility characters.
        return (0xFB00...0xFB17).contains(u.value)
    }
}
