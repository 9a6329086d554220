import ScansionCore
import XMPPCore

/// Plays one script through a connector, step by step, with the matching rules of `StanzaMatcher`
/// and the stale-stanza rule of the scansion README:
///
/// each client keeps what it receives in arrival order; when a `receives` step runs, a buffered
/// stanza that arrived before the most recent action that is not this client's own receive step is
/// stale and is dropped silently if it does not match; the first stanza that arrived after that
/// point must match, or the step fails. Whatever is left when a client disconnects is ignored.
///
/// In record mode (`record: true`, `scansion-run --record DIR`) every received stanza is also kept
/// with the number of the step during which it arrived, and no expectation stops the script: a
/// `receives` step takes the first buffered stanza that matches (waiting up to the receive timeout),
/// and when none does the mismatch is noted and the script goes on; a `${CAPTURE}` never captured
/// becomes an empty string (noted). After the last step the runner waits `nothingWait` for late
/// stanzas; `ScriptResult.recording` then holds everything, and `failure` stays nil.
public final class ScriptRunner {
    public let script: Script
    public let connector: any ScansionConnector
    public let options: RunOptions

    private let clock = ActionClock()
    private let barriers = Barriers()
    private var clients: [String: any ScansionClient] = [:]
    private var fullJIDs: [String: String] = [:]
    private var inboxes: [String: Inbox] = [:]
    /// Per client: the number of the most recent action that is not its own receive step.
    private var cutoff: [String: Int] = [:]
    private var captures: Captures = [:]
    /// Set in record mode.
    private let recorder: Recorder?
    /// 1-based number of the step being performed.
    private var stepNumber = 0

    /// Called as each step starts, before it is performed (`scansion-run --progress` prints it, so a
    /// test driver can act while a script waits, e.g. restart the server during `receives: nothing`).
    public var onStep: ((Step) -> Void)?

    public init(script: Script, connector: any ScansionConnector, options: RunOptions = RunOptions(), record: Bool = false) {
        self.script = script
        self.connector = connector
        self.options = options
        self.recorder = record ? Recorder() : nil
    }

    /// Runs every step; stops at the first failure. Clients still connected at the end are disconnected.
    public func run() async -> ScriptResult {
        var failure: ScriptFailure? = nil
        for (index, step) in script.steps.enumerated() {
            if !step.action.isReceive, options.settleBeforeAction > .zero, !clients.isEmpty {
                try? await Task.sleep(for: options.settleBeforeAction)
            }
            if !step.action.isReceive, let barrier = options.barrierJID {
                await self.barrier(barrier)
            }
            let action = clock.advance()
            for c in script.clients where !(c.name == step.client && step.action.isReceive) {
                cutoff[c.name] = action
            }
            stepNumber = index + 1
            recorder?.startStep(stepNumber, line: step.line)
            onStep?(step)
            do {
                try await perform(step)
            } catch let f as ScriptFailure {
                if let recorder {
                    recorder.mismatch(step, number: stepNumber, reason: f.reason, expected: f.expected, received: f.received)
                    continue
                }
                failure = f
                break
            } catch {
                if let recorder {
                    recorder.mismatch(step, number: stepNumber, reason: "\(error)")
                    continue
                }
                failure = ScriptFailure(line: step.line, step: step.summary, reason: "\(error)")
                break
            }
            if case .send = step.action, index + 1 < script.steps.count, script.steps[index + 1].client != step.client {
                try? await Task.sleep(for: options.interClientPause)
            }
        }
        var recording: ScriptRecording? = nil
        if let recorder {
            // Late stanzas (answers to the last steps) still count, in the last step.
            if !clients.isEmpty { try? await Task.sleep(for: options.nothingWait) }
            recording = recorder.snapshot(of: script)
        }
        for name in clients.keys.sorted() { await clients[name]?.disconnect() }
        clients = [:]
        inboxes = [:]
        var result = ScriptResult(name: script.path ?? script.title ?? "script", title: script.title, failure: failure)
        result.recording = recording
        return result
    }

    // MARK: Steps

    private func perform(_ step: Step) async throws {
        switch step.action {
        case .connect:
            try await connect(step)
        case .disconnect:
            guard let client = clients[step.client] else { throw fail(step, "\(step.client) is not connected") }
            await client.disconnect()
            clients[step.client] = nil
            inboxes[step.client] = nil
        case .send(let xml):
            guard let client = clients[step.client] else { throw fail(step, "\(step.client) is not connected") }
            for stanza in try stanzas(xml, step) {
                do {
                    try await client.send(StanzaXML.removingDirectives(stanza))
                } catch {
                    throw fail(step, "sending failed: \(error)")
                }
            }
        case .receive(let xml):
            guard let inbox = inboxes[step.client] else { throw fail(step, "\(step.client) is not connected") }
            for expected in try stanzas(xml, step) {
                if recorder != nil {
                    await receiveRecording(expected, inbox: inbox, step: step)
                } else {
                    try await receive(expected, inbox: inbox, step: step)
                }
            }
        case .receiveNothing:
            guard let inbox = inboxes[step.client] else { throw fail(step, "\(step.client) is not connected") }
            try await receiveNothing(inbox: inbox, step: step)
        }
    }

    private func connect(_ step: Step) async throws {
        guard clients[step.client] == nil else { throw fail(step, "\(step.client) is already connected") }
        guard let declaration = script.client(named: step.client) else { throw fail(step, "unknown client \(step.client)") }
        var account = ScansionAccount(jid: declaration.jid, password: declaration.password)
        if let slash = declaration.jid.firstIndex(of: "/") {
            account.jid = String(declaration.jid[..<slash])
            account.resource = String(declaration.jid[declaration.jid.index(after: slash)...])
        }
        let inbox = Inbox(clock: clock)
        let barriers = self.barriers
        do {
            let client: any ScansionClient
            if let recorder {
                let name = step.client
                client = try await connector.connect(account) { stanza in
                    if barriers.answered(stanza) { return }
                    recorder.record(stanza, client: name)
                    inbox.deliver(stanza)
                }
                recorder.loggedIn(name, fullJID: client.fullJID)
            } else {
                client = try await connector.connect(account) { stanza in
                    if barriers.answered(stanza) { return }
                    inbox.deliver(stanza)
                }
            }
            clients[step.client] = client
            fullJIDs[step.client] = client.fullJID
            inboxes[step.client] = inbox
        } catch {
            throw fail(step, "could not log in as \(declaration.jid): \(error)")
        }
    }

    /// Pings `jid` from every connected client and waits for the answers (see `RunOptions.barrierJID`);
    /// gives up on a client after the receive timeout.
    private func barrier(_ jid: String) async {
        for name in clients.keys.sorted() {
            guard let client = clients[name] else { continue }
            let id = barriers.next()
            let ping = Element("iq", namespace: NS.client, attrs: ["type": "get", "to": jid, "id": id],
                               children: [Element("ping", namespace: NS.ping)])
            do { try await client.send(ping) } catch { barriers.cancel(id); continue }
            await barriers.wait(id, timeout: options.receiveTimeout)
        }
    }

    private func receive(_ expected: Element, inbox: Inbox, step: Step) async throws {
        let staleBefore = cutoff[step.client] ?? 0
        let deadline = ContinuousClock.now + options.receiveTimeout
        var skipped: [String] = []
        while true {
            guard let item = await inbox.next(until: deadline) else {
                throw ScriptFailure(line: step.line, step: step.summary,
                                    reason: "no matching stanza arrived within \(options.receiveTimeout)",
                                    expected: PrettyXML.format(expected), skipped: skipped)
            }
            if let mismatch = StanzaMatcher.match(expected: expected, received: item.stanza, captures: &captures) {
                if item.epoch < staleBefore {
                    skipped.append(PrettyXML.format(item.stanza))
                    continue
                }
                throw ScriptFailure(line: step.line, step: step.summary,
                                    reason: "the received stanza does not match \(mismatch)",
                                    expected: PrettyXML.format(expected), received: PrettyXML.format(item.stanza),
                                    skipped: skipped)
            }
            return
        }
    }

    /// Record mode: takes the oldest buffered stanza that matches (stale stanzas before it are
    /// dropped), waiting for one up to the receive timeout; notes a mismatch when none does, and
    /// consumes nothing then (the stanzas may be what a later step expects).
    private func receiveRecording(_ expected: Element, inbox: Inbox, step: Step) async {
        let staleBefore = cutoff[step.client] ?? 0
        let deadline = ContinuousClock.now + options.receiveTimeout
        while true {
            var bound = captures
            let found = inbox.takeFirst(droppingStaleBefore: staleBefore) { stanza in
                var trial = captures
                guard StanzaMatcher.match(expected: expected, received: stanza, captures: &trial) == nil else { return false }
                bound = trial
                return true
            }
            if found {
                captures = bound
                return
            }
            if ContinuousClock.now >= deadline { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let first = inbox.firstPending(notBefore: staleBefore)
        recorder?.mismatch(step, number: stepNumber,
                           reason: first == nil ? "no matching stanza arrived within \(options.receiveTimeout)"
                                                : "no received stanza matches",
                           expected: PrettyXML.format(expected), received: first.map { PrettyXML.format($0) })
    }

    private func receiveNothing(inbox: Inbox, step: Step) async throws {
        let staleBefore = cutoff[step.client] ?? 0
        let deadline = ContinuousClock.now + options.nothingWait
        while let item = await inbox.next(until: deadline) {
            if item.epoch < staleBefore { continue }
            throw ScriptFailure(line: step.line, step: step.summary, reason: "a stanza arrived where nothing was expected",
                                received: PrettyXML.format(item.stanza))
        }
    }

    // MARK: Helpers

    private func stanzas(_ xml: String, _ step: Step) throws -> [Element] {
        let text: String
        do {
            text = try Substitution.apply(xml) { reference in
                switch reference {
                case .bare(let name):
                    guard let jid = script.client(named: name)?.jid else { return nil }
                    return jid.firstIndex(of: "/").map { String(jid[..<$0]) } ?? jid
                case .full(let name):
                    return fullJIDs[name]
                case .captured(let name):
                    if let value = captures[name] { return value }
                    guard let recorder else { return nil }
                    recorder.mismatch(step, number: stepNumber, reason: "'${\(name)}' was never captured: replaced by an empty string")
                    return ""
                }
            }
        } catch {
            throw fail(step, error.message)
        }
        do {
            let elements = try StanzaXML.parse(text)
            guard !elements.isEmpty else { throw fail(step, "the block holds no stanza") }
            return elements
        } catch let f as ScriptFailure {
            throw f
        } catch {
            throw fail(step, "the block is not well-formed XML: \(error)\n\(text)")
        }
    }

    private func fail(_ step: Step, _ reason: String) -> ScriptFailure {
        ScriptFailure(line: step.line, step: step.summary, reason: reason)
    }
}
