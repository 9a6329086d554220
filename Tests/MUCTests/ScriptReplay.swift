import ScansionCore
import Testing
import XMPPCore
@testable import MUC

/// Replays a reference `.scs` script (shared/scansion/README.md) directly against the machine:
/// each client's inbox receives what the service writes to its full JID; receive steps follow the
/// README's rules (a stale stanza that does not match is dropped; a fresh one must match).
/// Disconnecting sends unavailable presence to every occupant JID the client sent presence to,
/// as a server does.
struct ScriptReplay {
    /// One step, with its XML already substituted (the machine's JIDs are known in advance).
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

    /// Parses the script text with the runner's parser (`ScriptParser`, `Substitution`); a script
    /// that does not parse is recorded as an issue.
    init(script text: String) {
        let script: Script
        do { script = try ScriptParser.parse(text) } catch {
            Issue.record("the script does not parse: \(error)")
            return
        }
        for c in script.clients {
            let full = c.jid.contains("/") ? c.jid : c.jid + "/scansion-" + c.name.lowercased()
            clients[c.name] = Client(bare: String(c.jid.split(separator: "/")[0]), full: full)
        }
        for step in script.steps {
            switch step.action {
            case .connect: steps.append(.connect(step.client))
            case .disconnect: steps.append(.disconnect(step.client))
            case .send(let xml): steps.append(.send(step.client, substitute(xml)))
            case .receive(let xml): steps.append(.receive(step.client, substitute(xml)))
            case .receiveNothing: steps.append(.nothing(step.client))
            }
        }
    }

    private func substitute(_ xml: String) -> String {
        do {
            return try Substitution.apply(xml) { reference in
                switch reference {
                case .bare(let name): return clients[name]?.bare
                case .full(let name): return clients[name]?.full
                case .captured: return nil
                }
            }
        } catch {
            Issue.record("substitution: \(error.message)")
            return xml
        }
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
