import ScansionCore
import Foundation
import XMPPCore

/// What a script run in record mode saw (`scansion-run --record DIR`): per client, every stanza it
/// received, in arrival order, with the number of the script step during which it arrived; and the
/// steps whose expectations were not met (in record mode they do not stop the script).
///
/// Used by the differential harness (scripts/differential/) to compare what the same script
/// receives from two servers.
public struct ScriptRecording: Sendable, Codable, Equatable {
    public struct Received: Sendable, Codable, Equatable {
        /// 1-based index of the step during which the stanza arrived (0: before the first step).
        public var step: Int
        /// Line of that step in the script (0 when `step` is 0).
        public var line: Int
        /// The stanza as serialized XML, with its `xmlns='jabber:client'` written out.
        public var xml: String
    }

    public struct ClientRecording: Sendable, Codable, Equatable {
        public var name: String
        /// The JID of the script's [Client] block.
        public var jid: String
        /// The full JID bound at the client's (last) log-in; nil if it never logged in.
        public var fullJID: String?
        public var received: [Received]
    }

    public struct Mismatch: Sendable, Codable, Equatable {
        public var step: Int
        public var line: Int
        /// The step as written, e.g. `Romeo receives:`.
        public var summary: String
        public var reason: String
        public var expected: String?
        public var received: String?
    }

    /// The script's path as given.
    public var script: String
    public var title: String?
    public struct StepInfo: Sendable, Codable, Equatable {
        public var line: Int
        /// The step as written, e.g. `Romeo sends:`.
        public var summary: String
    }

    /// The script's steps, in order: step N is `steps[N - 1]`.
    public var steps: [StepInfo]
    /// One entry per [Client] block, in declaration order.
    public var clients: [ClientRecording]
    public var mismatches: [Mismatch]

    /// Pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// Collects a `ScriptRecording` while a script runs; stanzas arrive on connector threads.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var currentStep = 0
    private var currentLine = 0
    private var received: [String: [ScriptRecording.Received]] = [:]
    private var fullJIDs: [String: String] = [:]
    private var mismatches: [ScriptRecording.Mismatch] = []

    func startStep(_ number: Int, line: Int) {
        lock.withLock { currentStep = number; currentLine = line }
    }

    func record(_ stanza: Element, client: String) {
        let xml = String(decoding: Serializer.bytes(stanza, parentNamespace: ""), as: UTF8.self)
        lock.withLock {
            received[client, default: []].append(.init(step: currentStep, line: currentLine, xml: xml))
        }
    }

    func loggedIn(_ client: String, fullJID: String) {
        lock.withLock { fullJIDs[client] = fullJID }
    }

    func mismatch(_ step: Step, number: Int, reason: String, expected: String? = nil, received: String? = nil) {
        lock.withLock {
            mismatches.append(.init(step: number, line: step.line, summary: step.summary, reason: reason,
                                    expected: expected, received: received))
        }
    }

    func snapshot(of script: Script) -> ScriptRecording {
        lock.withLock {
            ScriptRecording(
                script: script.path ?? script.title ?? "script", title: script.title,
                steps: script.steps.map { .init(line: $0.line, summary: $0.summary) },
                clients: script.clients.map { c in
                    .init(name: c.name, jid: c.jid, fullJID: fullJIDs[c.name], received: received[c.name] ?? [])
                },
                mismatches: mismatches)
        }
    }
}
