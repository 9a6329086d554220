import Histogram
import NIOCore

/// The phases of a run, in order.
enum PhaseKind: String {
    case joins, warmup, messages, paced, leaves
}

/// What one phase did.
struct PhaseResult {
    var kind: PhaseKind
    var startedAt: UInt64 = 0
    /// When the last operation completed (joins, leaves) or the last expected delivery arrived.
    var endedAt: UInt64 = 0
    /// Joins or leaves completed, or messages sent.
    var operations = 0
    /// Joins or leaves refused.
    var failures = 0
    /// Distinct deliveries of this phase's messages.
    var deliveries = 0
    /// Deliveries (or, for joins, presence sightings) the phase waited for.
    var expected = 0
    /// Expected items that never came (after the stall timeout).
    var missing = 0
    var timedOut = false
    /// Delivery latency (ns), for message phases.
    var latency: Histogram<UInt64>?
    /// Open-loop target rate in messages/s.
    var targetRate: Double?
    /// The open-loop phase hit the outstanding-message cap (the target rate was not sustained).
    var rateCapped = false

    init(kind: PhaseKind) { self.kind = kind }

    var seconds: Double { elapsedSeconds(from: startedAt, to: endedAt) }
}

/// Everything the bench counted about what it received.
struct Counters {
    var stanzasIn = 0
    /// Groupchat messages carrying a bench marker, duplicates included.
    var deliveries = 0
    var duplicated = 0
    var outOfOrder = 0
    /// Message errors (a message came back instead of being delivered).
    var bounced = 0
    /// Deliveries to someone outside the sender's room, or with a marker the bench did not send.
    var unexpected = 0
    var subjects = 0
    var otherMessages = 0
    var presences = 0
    var othersUnavailable = 0
    var iqs = 0
    var other = 0
    var joinErrors = 0
    var configErrors = 0
    var leaveErrors = 0
    /// Self-presences that lacked status code 110.
    var missingSelfCode = 0
    /// The first error stanza received, for the report.
    var firstError: String?
    /// The first stanza counted as unexpected, for the report.
    var firstUnexpected: String?
    /// Why the connection ended during the run, if it did.
    var linkError: String?
}

/// Per-user progress.
enum UserState: UInt8 {
    case idle, joining, configuring, joined, failed, leaving, left
}

/// The load generator's state machine, confined to one event loop. It writes stanzas from the
/// simulated users into the link, reads what comes back, checks it and times it.
final class LoadEngine: LinkDelegate {
    let loop: EventLoop
    let scenario: Scenario
    let naming: Naming
    private(set) var link: XMPPLink?
    let ready: EventLoopPromise<Void>
    /// Why the link closed, when it did.
    private(set) var closedError: String?
    /// Sender address of probe iqs (the bench's component domain).
    var probeFrom: String

    // Dimensions.
    let R: Int
    let O: Int
    let S: Int
    let U: Int
    let T: Int

    // Per user.
    var state: [UserState]
    var inFlight: [Int32]
    var nextSeq: [Int32]
    /// Presence sightings: per user, one bit per occupant of its room.
    var seen: [UInt64]
    let seenWords: Int
    var expectedSeenSet = 0
    var expectedSeenTotal = 0
    var lastPresenceAt: UInt64 = 0
    /// Deliveries: per (receiver, sender slot) one bit per sequence number, and the highest seen.
    var pairBits: [UInt64]
    let pairWords: Int
    var pairMax: [Int32]

    var counters = Counters()
    /// Received stanzas still to print (debugging).
    var traceLeft = 0

    // The current phase.
    var current: PhaseResult?
    var promise: EventLoopPromise<PhaseResult>?
    var lastProgress: UInt64 = 0
    var seqStart: Int32 = 0
    var seqEnd: Int32 = 0
    var histogram = LoadEngine.makeHistogram()
    var measureLatency = false
    var opsInFlight = 0
    var opsDone = 0
    var opsTarget = 0
    var creatorsNext = 0
    var creatorsDone = 0
    var othersNext = 0
    var leaveOrder: [Int32] = []
    var leaveNext = 0
    var joinsFinished = false

    // Open loop.
    var senderList: [Int32] = []
    var rate = 0.0
    var rateStart: UInt64 = 0
    var rateSent = 0
    var rateTotal = 0
    var reflectedInPhase = 0
    var rateTask: RepeatedTask?
    var watchdog: RepeatedTask?

    // Readiness probe.
    var probePromise: EventLoopPromise<Void>?
    var probeTarget = ""
    var probeTask: RepeatedTask?
    var probeCount = 0
    var probeLastError: String?

    // Pre-built bytes.
    let userTail: [UInt8]
    let roomHead: [UInt8]
    let roomTail: [UInt8]
    let padding: [UInt8]
    let formBytes: [UInt8]

    init(loop: EventLoop, scenario: Scenario, naming: Naming, probeFrom: String) {
        self.loop = loop
        self.scenario = scenario
        self.naming = naming
        self.probeFrom = probeFrom
        self.ready = loop.makePromise(of: Void.self)
        R = scenario.rooms
        O = scenario.occupants
        S = scenario.effectiveSenders
        U = scenario.users
        T = max(1, scenario.sequenceSpace)
        state = Array(repeating: .idle, count: U)
        inFlight = Array(repeating: 0, count: U)
        nextSeq = Array(repeating: 0, count: U)
        seenWords = (O + 63) / 64
        seen = Array(repeating: 0, count: U * seenWords)
        pairWords = (T + 63) / 64
        pairBits = Array(repeating: 0, count: U * S * pairWords)
        pairMax = Array(repeating: -1, count: U * S)
        userTail = Array("@\(naming.userDomain)/r".utf8)
        roomHead = Array("\(naming.roomPrefix)room".utf8)
        roomTail = Array("@\(naming.mucDomain)".utf8)
        padding = Array(repeating: UInt8(ascii: "x"), count: max(0, scenario.payload))
        var form = "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>"
        let fields = scenario.formFields
        if !fields.isEmpty {
            form += "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
            for (k, v) in fields {
                form += "<field var='\(XMPPLink.escaped(k))'><value>\(XMPPLink.escaped(v))</value></field>"
            }
        }
        form += "</x></query></iq>"
        formBytes = Array(form.utf8)
    }

    static func makeHistogram() -> Histogram<UInt64> {
        // 1 µs .. 100 s in ns, 3 significant digits.
        Histogram<UInt64>(lowestDiscernibleValue: 1000, highestTrackableValue: 100_000_000_000, numberOfSignificantValueDigits: .three)
    }

    func attach(_ link: XMPPLink) {
        self.link = link
        link.delegate = self
    }

    /// Estimated memory the tracking arrays take (the bench reports it).
    var trackingBytes: Int { seen.count * 8 + pairBits.count * 8 + pairMax.count * 4 + U * 9 }

    // MARK: LinkDelegate

    func linkReady(_ link: XMPPLink) {
        lastProgress = monotonicNanos()
        watchdog = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [weak self] _ in
            self?.tick()
        }
        ready.succeed(())
    }

    func linkClosed(_ link: XMPPLink, error: String?) {
        closedError = error ?? "closed"
        if counters.linkError == nil { counters.linkError = closedError }
        ready.fail(BenchError.link(closedError ?? "closed"))
        probePromise?.fail(BenchError.link(closedError ?? "closed"))
        probePromise = nil
        probeTask?.cancel()
        if current != nil { finishPhase(now: monotonicNanos(), timedOut: true) }
        watchdog?.cancel()
        rateTask?.cancel()
    }

    func linkReadComplete(_ link: XMPPLink) {}

    func link(_ link: XMPPLink, received st: RawStanza, now: UInt64) {
        counters.stanzasIn += 1
        if traceLeft > 0 {
            traceLeft -= 1
            progress("<< \(st.text)")
        }
        switch st.kind {
        case .message: onMessage(st, now: now)
        case .presence: onPresence(st, now: now)
        case .iq: onIQ(st, now: now)
        case .other: counters.other += 1
        }
    }

    // MARK: Receiving

    @inline(__always)
    func userIndex(_ st: RawStanza) -> Int? {
        guard let g = st.number(in: st.to, after: "user"), g < U else { return nil }
        return g
    }

    private func noteError(_ st: RawStanza) {
        if counters.firstError == nil { counters.firstError = String(st.text.prefix(600)) }
    }

    private func noteUnexpected(_ st: RawStanza) {
        counters.unexpected += 1
        if counters.firstUnexpected == nil { counters.firstUnexpected = String(st.text.prefix(600)) }
    }

    private func onMessage(_ st: RawStanza, now: UInt64) {
        if st.typeIs("error") {
            counters.bounced += 1
            noteError(st)
            if let g = userIndex(st), inFlight[g] > 0 {
                inFlight[g] -= 1
                if current?.kind != .joins { sendNext(g, now: now) }
            }
            return
        }
        guard let bodyAt = st.find("<body", from: st.tagEnd),
              let gt = StreamScanner.index(of: UInt8(ascii: ">"), st.p, from: bodyAt, to: st.n) else {
            if st.find("<subject", from: st.tagEnd) != nil { counters.subjects += 1 } else { counters.otherMessages += 1 }
            return
        }
        let p = st.p
        let i = gt + 1
        guard i < st.n, p[i] == UInt8(ascii: "B"),
              let (sg, e1) = RawStanza.decimal(p, from: i + 1, to: st.n), e1 < st.n, p[e1] == UInt8(ascii: "."),
              let (seq, e2) = RawStanza.decimal(p, from: e1 + 1, to: st.n), e2 < st.n, p[e2] == UInt8(ascii: "."),
              let (stamp, e3) = RawStanza.decimal(p, from: e2 + 1, to: st.n), e3 < st.n, p[e3] == UInt8(ascii: "."),
              let g = userIndex(st) else {
            noteUnexpected(st)
            return
        }
        _ = e3
        deliver(to: g, from: sg, seq: seq, stamp: UInt64(stamp), now: now)
    }

    @inline(__always)
    private func deliver(to g: Int, from sg: Int, seq: Int, stamp: UInt64, now: UInt64) {
        counters.deliveries += 1
        let room = g / O
        guard sg < U, sg / O == room, seq < T else {
            counters.unexpected += 1
            return
        }
        let slot = sg - room * O
        guard slot < S else {
            counters.unexpected += 1
            return
        }
        let pair = g * S + slot
        let w = pair * pairWords + (seq >> 6)
        let bit = UInt64(1) << UInt64(seq & 63)
        let s32 = Int32(seq)
        let inPhase = s32 >= seqStart && s32 < seqEnd
        if pairBits[w] & bit != 0 {
            counters.duplicated += 1
        } else {
            pairBits[w] |= bit
            if s32 < pairMax[pair] { counters.outOfOrder += 1 } else { pairMax[pair] = s32 }
            if inPhase { current?.deliveries += 1 }
        }
        if inPhase && measureLatency && now > stamp {
            histogram.record(now - stamp)
        }
        lastProgress = now
        if g == sg {
            if inFlight[g] > 0 { inFlight[g] -= 1 }
            if inPhase { reflectedInPhase += 1 }
            if rate == 0 { sendNext(g, now: now) }
        }
        if let c = current, c.deliveries >= c.expected, c.kind != .joins, c.kind != .leaves {
            finishPhase(now: now, timedOut: false)
        }
    }

    private func onPresence(_ st: RawStanza, now: UInt64) {
        counters.presences += 1
        guard let g = userIndex(st) else {
            counters.other += 1
            return
        }
        let room = g / O
        if st.typeIs("error") {
            noteError(st)
            switch state[g] {
            case .joining, .configuring:
                counters.joinErrors += 1
                joinCompleted(g, ok: false, now: now)
            case .leaving:
                counters.leaveErrors += 1
                leaveCompleted(g, now: now)
            case .idle, .joined, .failed, .left:
                counters.other += 1
            }
            return
        }
        let h = st.resourceNumber(in: st.from, after: "nick")
        if h == nil, let from = st.from, StreamScanner.index(of: UInt8(ascii: "/"), st.p, from: from.lowerBound, to: from.upperBound) == nil {
            // From the room itself (ejabberd announces the room's entity capabilities): not an occupant.
            counters.other += 1
            return
        }
        if st.typeIs("unavailable") {
            if h == g {
                if state[g] == .leaving { leaveCompleted(g, now: now) } else { counters.othersUnavailable += 1 }
            } else {
                counters.othersUnavailable += 1
            }
            return
        }
        guard st.type == nil else {
            counters.other += 1
            return
        }
        guard let h, h < U, h / O == room else {
            noteUnexpected(st)
            return
        }
        let k = h - room * O
        let w = g * seenWords + (k >> 6)
        let bit = UInt64(1) << UInt64(k & 63)
        if seen[w] & bit == 0 {
            seen[w] |= bit
            if isExpectedSighting(viewer: g, seen: h) { expectedSeenSet += 1 }
            lastPresenceAt = now
            lastProgress = now
        }
        guard h == g else { return }
        if !st.hasStatus("code='110'", "code=\"110\"") { counters.missingSelfCode += 1 }
        if state[g] == .joining {
            if g == room * O && st.hasStatus("code='201'", "code=\"201\"") {
                // The room was created and is locked until configured (§10.1): submit the form.
                state[g] = .configuring
                sendConfiguration(g)
            } else {
                joinCompleted(g, ok: true, now: now)
            }
        }
    }

    /// Whether this sighting is one the join check requires: every nick in a normal room; in a
    /// lean room, oneself and the creator (the only moderator).
    @inline(__always)
    func isExpectedSighting(viewer g: Int, seen h: Int) -> Bool {
        guard scenario.lean else { return true }
        return h == g || h == (g / O) * O
    }

    private func onIQ(_ st: RawStanza, now: UInt64) {
        counters.iqs += 1
        if st.typeIs("result") || st.typeIs("error") {
            let ok = st.typeIs("result")
            if let r = st.number(in: st.id, after: "cfg"), r < R {
                let g = r * O
                guard state[g] == .configuring else { return }
                if !ok {
                    counters.configErrors += 1
                    noteError(st)
                }
                joinCompleted(g, ok: ok, now: now)
            } else if st.range(st.id, hasPrefix: "probe") {
                if ok {
                    probeTask?.cancel()
                    probeTask = nil
                    probePromise?.succeed(())
                    probePromise = nil
                } else {
                    probeLastError = String(st.text.prefix(300))
                }
            } else {
                counters.other += 1
            }
            return
        }
        // A request to one of our users (a server's ping or disco): answer so nothing waits on us.
        guard st.typeIs("get") || st.typeIs("set"), let link else { return }
        let from = st.string(st.to) ?? naming.userDomain
        let to = st.string(st.from) ?? ""
        let id = st.string(st.id) ?? ""
        if st.find("urn:xmpp:ping") != nil {
            link.out.writeString("<iq type='result' from='\(from)' to='\(to)' id='\(id)'/>")
        } else {
            link.out.writeString("<iq type='error' from='\(from)' to='\(to)' id='\(id)'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
        }
    }

    // MARK: Watchdog

    private func tick() {
        let now = monotonicNanos()
        guard let c = current else { return }
        if c.kind == .joins && joinsFinished {
            // Waiting for the last presence broadcasts after the last self-presence.
            if expectedSeenSet >= expectedSeenTotal || now - max(lastPresenceAt, c.endedAt) > 1_000_000_000 {
                completeJoinsPhase()
            }
            return
        }
        if Double(now - lastProgress) / 1e9 > scenario.stallSeconds {
            finishPhase(now: now, timedOut: true)
        }
    }
}

/// Errors that end a run.
enum BenchError: Error, CustomStringConvertible {
    case link(String)
    case timeout(String)
    case setup(String)

    var description: String {
        switch self {
        case .link(let s): return "connection: \(s)"
        case .timeout(let s): return "timeout: \(s)"
        case .setup(let s): return s
        }
    }
}
