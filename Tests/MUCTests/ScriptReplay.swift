import Foundation
import Testing
import XMPPCore
@testable import MUC

/// Replays a reference `.scs` script (shared/scansion/README.md) directly against the machine:
/// each client's inbox receives what the service writes to its full JID; receive steps follow the
/// README's rules (a stale stanza that does not match is dropped; a fresh one must match).
/// Disconnecting sends unavailable presence to every occupant JID the client sent presence to,
/// as a server does.
struct ScriptReplay {
    enum Step {
        case connect(String)
        case disconnect(String)
        case send(String, String)
        case receive(String, String)
        case nothing(String)
    }

    struct Client {
        var bare: String
        var full: String
    }

    var clients: [String: Client] = [:]
    var steps: [Step] = []

    /// Parses the script text.
    init(script: String) {
        var lines = script.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var current: String?
        while !lines.isEmpty {
            let line = lines.removeFirst()
            if line.hasPrefix("-----") { break }
            if line.hasPrefix("[Client] ") {
                current = String(line.dropFirst("[Client] ".count)).trimmingSpaces
            } else if let c = current, line.trimmingSpaces.hasPrefix("jid:") {
                let jid = String(line.trimmingSpaces.dropFirst(4)).trimmingSpaces
                let full = jid.contains("/") ? jid : jid + "/scansion-" + c.lowercased()
                clients[c] = Client(bare: String(jid.split(separator: "/")[0]), full: full)
            }
        }
        var i = 0
        while i < lines.count {
            let line = lines[i]
            i += 1
            if line.trimmingSpaces.isEmpty || line.hasPrefix("#") || line.first == "\t" || line.first == " " { continue }
            var block = ""
            while i < lines.count, lines[i].first == "\t" || lines[i].first == " " || lines[i].trimmingSpaces.isEmpty {
                if lines[i].trimmingSpaces.isEmpty, i + 1 < lines.count, !(lines[i + 1].first == "\t" || lines[i + 1].first == " ") { i += 1; break }
                block += lines[i] + "\n"
                i += 1
            }
            block = substitute(block)
            let words = line.trimmingSpaces
            if words.hasSuffix(" connects") { steps.append(.connect(String(words.dropLast(" connects".count)))) }
            else if words.hasSuffix(" disconnects") { steps.append(.disconnect(String(words.dropLast(" disconnects".count)))) }
            else if words.hasSuffix(" sends:") { steps.append(.send(String(words.dropLast(" sends:".count)), block)) }
            else if words.hasSuffix(" receives: nothing") { steps.append(.nothing(String(words.dropLast(" receives: nothing".count)))) }
            else if words.hasSuffix(" receives:") { steps.append(.receive(String(words.dropLast(" receives:".count)), block)) }
            else { Issue.record("unknown script line: \(line)") }
        }
    }

    private func substitute(_ s: String) -> String {
        var out = s
        for (name, c) in clients {
            out = out.replacingAll("${\(name)'s full JID}", with: c.full)
            out = out.replacingAll("${\(name)'s JID}", with: c.bare)
        }
        return out
    }

    /// Runs the script; returns the number of receive steps checked.
    @discardableResult
    func run(_ settings: MUCSettings = MUCSettings(domain: "conference.localhost"), sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        var t = Transcript(settings)
        var inbox: [String: [(Element, Int)]] = [:]
        var presenceTargets: [String: [String]] = [:]
        var checked = 0
        func deliver(_ out: Output, step: Int) {
            for d in out.deliveries {
                guard let name = clients.first(where: { $0.value.full == d.to || $0.value.bare == d.to })?.key else { continue }
                inbox[name, default: []].append((d.stanza, step))
            }
        }
        /// The most recent step before `k` that is not one of `name`'s own receive steps.
        func lastAction(before k: Int, for name: String) -> Int {
            var j = k - 1
            while j >= 0 {
                switch steps[j] {
                case .receive(let n, _) where n == name, .nothing(let n) where n == name: j -= 1
                default: return j
                }
            }
            return -1
        }
        for (k, step) in steps.enumerated() {
            t.now += 1
            switch step {
            case .connect:
                continue
            case .disconnect(let name):
                guard let c = clients[name] else { continue }
                for target in presenceTargets[name] ?? [] {
                    deliver(t.send("<presence type='unavailable' to='\(target)'/>", from: c.full), step: k)
                }
                inbox[name] = []
            case .send(let name, let xml):
                guard let c = clients[name] else { Issue.record("unknown client \(name)", sourceLocation: sourceLocation); continue }
                for e in TestXML.parseAll(xml) {
                    if e.name == "presence", let to = e.attribute("to"), !(presenceTargets[name] ?? []).contains(to) {
                        presenceTargets[name, default: []].append(to)
                    }
                    deliver(t.send(Serializer.string(e), from: c.full), step: k)
                }
            case .receive(let name, let xml):
                let stale = lastAction(before: k, for: name)
                for expected in TestXML.parseAll(xml) {
                    checked += 1
                    var matched = false
                    var skipped: [String] = []
                    while let (first, arrived) = inbox[name]?.first {
                        inbox[name]!.removeFirst()
                        if Match.matches(expected: expected, received: first) { matched = true; break }
                        if arrived < stale { skipped.append(Serializer.string(first)); continue }
                        Issue.record("""
                            step \(k): \(name) expected
                            \(Serializer.string(expected))
                            but received
                            \(Serializer.string(first))
                            (dropped as stale: \(skipped))
                            """, sourceLocation: sourceLocation)
                        return checked
                    }
                    if !matched {
                        Issue.record("step \(k): \(name) expected \(Serializer.string(expected)) but received nothing (dropped as stale: \(skipped))",
                                     sourceLocation: sourceLocation)
                        return checked
                    }
                }
            case .nothing(let name):
                let stale = lastAction(before: k, for: name)
                let fresh = (inbox[name] ?? []).filter { $0.1 >= stale }
                if !fresh.isEmpty {
                    Issue.record("step \(k): \(name) expected nothing, received \(fresh.map { Serializer.string($0.0) })", sourceLocation: sourceLocation)
                }
                inbox[name] = []
            }
        }
        return checked
    }
}

extension String {
    var trimmingSpaces: String { Match.trimmed(self) }

    func replacingAll(_ target: String, with replacement: String) -> String {
        replacingOccurrences(of: target, with: replacement)
    }
}
