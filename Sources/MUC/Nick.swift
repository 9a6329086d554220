/// Room nickname rules (XEP-0045 §17.1: non-empty, not only invisible characters).
/// A nick arrives as the resourcepart of a JID, so it is already free of control characters and
/// at most 1023 bytes. Nicks are compared exactly (case-sensitive), as the resourcepart is.
enum Nick {
    /// Whether `nick` may be used: it must contain at least one visible character.
    static func isValid(_ nick: String) -> Bool {
        for u in nick.unicodeScalars where !isInvisible(u) { return true }
        return false
    }

    private static func isInvisible(_ u: Unicode.Scalar) -> Bool {
        let p = u.properties
        return p.isWhitespace || p.isDefaultIgnorableCodePoint || p.generalCategory == .format
            || p.generalCategory == .spaceSeparator || p.generalCategory == .control
    }
}
