import XMPPCore

/// Why a received stanza does not match the expected one.
public struct MatchFailure: Sendable, Equatable, CustomStringConvertible {
    /// Where in the expected stanza the mismatch is, e.g. `presence/x/status[1]` (positions count the
    /// expected parent's child elements, from 1).
    public var path: String
    /// The rule that failed, in words.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "at \(path): \(reason)" }
}

/// Values bound by `{scansion:capture:NAME}`.
public typealias Captures = [String: String]

/// Compares a received stanza with an expected one under the rules of the scansion README:
///
/// 1. name and namespace are always compared;
/// 2. strictness is per element: `scansion:strict='true'|'false'` on the expected element decides
///    for that element only; otherwise elements in `jabber:client` are loose and all others strict;
/// 3. loose: each expected attribute present with an equal value (extras ignored); each expected
///    child matched by a distinct received child, in any order (extras ignored); text compared only
///    when the expected text is not blank;
/// 4. strict: exactly the same attributes, the same number of child elements matched pairwise in
///    order, equal trimmed text.
///
/// In attribute values and as an element's whole text, `{scansion:any}` accepts anything and `{scansion:capture:NAME}` binds NAME the
/// first time and must be equal afterwards.
public enum StanzaMatcher {
    /// nil when `received` matches `expected`; `captures` is updated only on success.
    public static func match(expected: Element, received: Element, captures: inout Captures) -> MatchFailure? {
        var trial = captures
        if let failure = matchElement(expected, received, path: expected.name, captures: &trial) { return failure }
        captures = trial
        return nil
    }

    /// Whether the expected element is compared strictly.
    public static func isStrict(_ expected: Element) -> Bool {
        if let directive = expected.attribute("strict", namespace: ScansionNamespace.directives) {
            switch directive.trimmingWhitespace().lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: break
            }
        }
        return expected.namespace != NS.client
    }

    // MARK: Elements

    private static func matchElement(_ exp: Element, _ rec: Element, path: String, captures: inout Captures) -> MatchFailure? {
        guard exp.name == rec.name, exp.namespace == rec.namespace else {
            return MatchFailure(path: path, reason: "expected <\(exp.name) xmlns='\(exp.namespace)'>, received <\(rec.name) xmlns='\(rec.namespace)'>")
        }
        let strict = isStrict(exp)
        let mode = strict ? "strict" : "loose"

        // Attributes.
        let expectedAttributes = exp.attributes.filter { $0.namespace != ScansionNamespace.directives }
        for a in expectedAttributes {
            guard let value = rec.attributes.first(where: { $0.name == a.name && $0.namespace == a.namespace })?.value else {
                return MatchFailure(path: path, reason: "attribute \(display(a)) is missing (expected '\(a.value)')")
            }
            guard matchValue(a.value, value, captures: &captures) else {
                return MatchFailure(path: path, reason: "attribute \(display(a)) is '\(value)', expected '\(a.value)'" + captureNote(a.value, captures))
            }
        }
        if strict {
            for a in rec.attributes where !expectedAttributes.contains(where: { $0.name == a.name && $0.namespace == a.namespace }) {
                return MatchFailure(path: path, reason: "unexpected attribute \(display(a))='\(a.value)' (strict element: attributes must be exactly the expected ones)")
            }
        }

        // Children.
        let expectedChildren = exp.elements
        let receivedChildren = rec.elements
        if strict {
            guard expectedChildren.count == receivedChildren.count else {
                return MatchFailure(path: path, reason: "expected \(expectedChildren.count) child element(s), received \(receivedChildren.count) (strict element: same children, in order)")
            }
            for (i, (e, r)) in zip(expectedChildren, receivedChildren).enumerated() {
                if let failure = matchElement(e, r, path: childPath(path, e, i), captures: &captures) {
                    return MatchFailure(path: failure.path, reason: failure.reason + (failure.path == childPath(path, e, i) ? " (strict parent <\(exp.name)/>: children are compared in order)" : ""))
                }
            }
        } else if !expectedChildren.isEmpty {
            var used = [Bool](repeating: false, count: receivedChildren.count)
            var trial = captures
            if assign(expectedChildren, 0, receivedChildren, &used, path: path, captures: &trial) {
                captures = trial
            } else {
                return explainLooseFailure(expectedChildren, receivedChildren, path: path, captures: captures)
            }
        }

        // Text.
        let expectedText = exp.text.trimmingWhitespace()
        let receivedText = rec.text.trimmingWhitespace()
        if expectedText == any || captureName(expectedText) != nil {
            // A pattern in place of the text, as in attribute values.
            if !matchValue(expectedText, receivedText, captures: &captures) {
                return MatchFailure(path: path, reason: "text is '\(receivedText)', expected '\(expectedText)'"
                                    + captureNote(expectedText, captures))
            }
        } else if (strict || !expectedText.isEmpty) && expectedText != receivedText {
            return MatchFailure(path: path, reason: "text is '\(receivedText)', expected '\(expectedText)' (\(mode) element)")
        }
        return nil
    }

    /// Backtracking search for distinct received children matching each expected child.
    private static func assign(_ expected: [Element], _ i: Int, _ received: [Element], _ used: inout [Bool],
                               path: String, captures: inout Captures) -> Bool {
        if i == expected.count { return true }
        for j in received.indices where !used[j] {
            var trial = captures
            guard matchElement(expected[i], received[j], path: childPath(path, expected[i], i), captures: &trial) == nil else { continue }
            used[j] = true
            if assign(expected, i + 1, received, &used, path: path, captures: &trial) {
                captures = trial
                return true
            }
            used[j] = false
        }
        return false
    }

    /// Names the expected child that could not be matched and why its closest candidate failed.
    private static func explainLooseFailure(_ expected: [Element], _ received: [Element], path: String, captures: Captures) -> MatchFailure {
        for (i, e) in expected.enumerated() {
            let p = childPath(path, e, i)
            let candidates = received.filter { $0.name == e.name && $0.namespace == e.namespace }
            if candidates.isEmpty {
                return MatchFailure(path: p, reason: "no received child <\(e.name) xmlns='\(e.namespace)'> (loose parent: each expected child must be matched by a received child)")
            }
            var failures: [MatchFailure] = []
            for c in candidates {
                var trial = captures
                if let f = matchElement(e, c, path: p, captures: &trial) { failures.append(f) } else { failures = []; break }
            }
            if let best = failures.max(by: { $0.path.count < $1.path.count }) {
                return MatchFailure(path: best.path, reason: best.reason + (candidates.count > 1 ? " (closest of \(candidates.count) received <\(e.name)/> children)" : ""))
            }
        }
        return MatchFailure(path: path, reason: "the expected children cannot each be matched by a distinct received child")
    }

    private static func childPath(_ parent: String, _ child: Element, _ index: Int) -> String {
        "\(parent)/\(child.name)[\(index + 1)]"
    }

    // MARK: Values

    private static let any = "{scansion:any}"
    private static let capturePrefix = "{scansion:capture:"

    public static func matchValue(_ expected: String, _ received: String, captures: inout Captures) -> Bool {
        if expected == any { return true }
        if let name = captureName(expected) {
            if let bound = captures[name] { return bound == received }
            captures[name] = received
            return true
        }
        return expected == received
    }

    private static func captureName(_ value: String) -> String? {
        guard value.hasPrefix(capturePrefix), value.hasSuffix("}"), value.count > capturePrefix.count + 1 else { return nil }
        return String(value.dropFirst(capturePrefix.count).dropLast())
    }

    private static func captureNote(_ expected: String, _ captures: Captures) -> String {
        guard let name = captureName(expected), let bound = captures[name] else { return "" }
        return " (capture \(name) is bound to '\(bound)')"
    }

    private static func display(_ a: Attribute) -> String {
        switch a.namespace {
        case nil: return "'\(a.name)'"
        case NS.xml?: return "'xml:\(a.name)'"
        case let ns?: return "'{\(ns)}\(a.name)'"
        }
    }
}
