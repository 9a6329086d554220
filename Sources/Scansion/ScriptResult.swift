import ScansionCore

/// Why a script failed: the step, the rule, and both sides of the comparison.
public struct ScriptFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Line of the failing step (1-based; 0 when the failure is not tied to a step).
    public var line: Int
    /// The step as written, e.g. `Romeo receives:`.
    public var step: String
    /// What went wrong, e.g. which matching rule failed and where.
    public var reason: String
    /// The expected stanza (after substitution), indented.
    public var expected: String?
    /// The received stanza that failed to match, indented.
    public var received: String?
    /// Stale stanzas skipped silently before the failure, indented.
    public var skipped: [String]

    public init(line: Int, step: String, reason: String, expected: String? = nil, received: String? = nil, skipped: [String] = []) {
        self.line = line
        self.step = step
        self.reason = reason
        self.expected = expected
        self.received = received
        self.skipped = skipped
    }

    public var description: String {
        var out = line > 0 ? "line \(line): \(step)\n  \(reason)" : "\(step): \(reason)"
        if let expected { out += "\n  expected:\n" + indent(expected) }
        if let received { out += "\n  received:\n" + indent(received) }
        if !skipped.isEmpty {
            out += "\n  skipped as stale (arrived before the previous action, did not match):"
            for s in skipped { out += "\n" + indent(s) }
        }
        return out
    }

    private func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    }
}

/// The outcome of one script.
public struct ScriptResult: Sendable {
    /// The script's file path, or its title when it was not read from a file.
    public var name: String
    public var title: String?
    /// nil when the script passed (always nil in record mode).
    public var failure: ScriptFailure?
    /// What the script received, in record mode (`ScriptRunner(record: true)`).
    public var recording: ScriptRecording?

    public init(name: String, title: String?, failure: ScriptFailure?) {
        self.name = name
        self.title = title
        self.failure = failure
    }

    public var passed: Bool { failure == nil }
}
