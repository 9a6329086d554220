import NIOCore

extension LoadEngine {
    // MARK: Entry points (any thread)

    /// Joins every user to its room; the first of each room creates and configures it.
    func runJoins() -> EventLoopFuture<PhaseResult> {
        loop.flatSubmit { self.startJoins() }
    }

    /// One message phase: each sender sends `count` messages with sequence numbers from `from`.
    /// `rate` 0 is closed loop (`inFlight` per sender), otherwise messages/s in total.
    func runMessages(_ kind: PhaseKind, from: Int, count: Int, rate: Double, measure: Bool) -> EventLoopFuture<PhaseResult> {
        loop.flatSubmit { self.startMessages(kind, from: from, count: count, rate: rate, measure: measure) }
    }

    /// Every joined user leaves.
    func runLeaves() -> EventLoopFuture<PhaseResult> {
        loop.flatSubmit { self.startLeaves() }
    }

    /// Sends disco#info queries to `target` until one is answered with a result.
    func probe(_ target: String) -> EventLoopFuture<Void> {
        loop.flatSubmit {
            let p = self.loop.makePromise(of: Void.self)
            self.probePromise = p
            self.probeTarget = target
            self.sendProbe()
            self.probeTask = self.loop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { [weak self] _ in
                self?.sendProbe()
            }
            return p.futureResult
        }
    }

    /// Counters and the join bookkeeping, read on the loop.
    func snapshot() -> EventLoopFuture<(Counters, Int)> {
        loop.submit { (self.counters, self.trackingBytes) }
    }

    /// Closes the stream.
    func close() -> EventLoopFuture<Void> {
        loop.submit {
            self.watchdog?.cancel()
            self.rateTask?.cancel()
            self.probeTask?.cancel()
            self.link?.close()
        }
    }

    // MARK: Phase bookkeeping

    private func begin(_ kind: PhaseKind) -> EventLoopFuture<PhaseResult> {
        var c = PhaseResult(kind: kind)
        let now = monotonicNanos()
        c.startedAt = now
        current = c
        let p = loop.makePromise(of: PhaseResult.self)
        promise = p
        lastProgress = now
        opsInFlight = 0
        opsDone = 0
        opsTarget = 0
        return p.futureResult
    }

    /// Ends the current phase; `end` overrides the end time (joins end at their last completion).
    func finishPhase(now: UInt64, timedOut: Bool) {
        guard var c = current, let p = promise else { return }
        if c.endedAt == 0 { c.endedAt = timedOut ? max(c.startedAt, lastProgress) : now }
        c.timedOut = timedOut
        switch c.kind {
        case .joins:
            c.expected = expectedSeenTotal
            c.deliveries = expectedSeenSet
            c.missing = max(0, expectedSeenTotal - expectedSeenSet) + (opsTarget - opsDone)
        case .warmup, .messages, .paced:
            c.missing = max(0, c.expected - c.deliveries)
        case .leaves:
            c.missing = opsTarget - opsDone
        }
        if measureLatency { c.latency = histogram }
        rateTask?.cancel()
        rateTask = nil
        rate = 0
        measureLatency = false
        current = nil
        promise = nil
        p.succeed(c)
    }

    // MARK: Joins

    private func startJoins() -> EventLoopFuture<PhaseResult> {
        let f = begin(.joins)
        opsTarget = U
        creatorsNext = 0
        creatorsDone = 0
        othersNext = 0
        joinsFinished = false
        expectedSeenSet = 0
        expectedSeenTotal = 0
        pumpJoins()
        link?.flush()
        return f
    }

    /// Starts joins while the window allows: first every room's creator, then, once every room
    /// is configured, the other occupants round-robin over the rooms.
    func pumpJoins() {
        let window = max(1, scenario.joinWindow)
        let others = R * (O - 1)
        while opsInFlight < window {
            if creatorsNext < R {
                let g = creatorsNext * O
                creatorsNext += 1
                startJoin(g)
                continue
            }
            guard creatorsDone == R, othersNext < others else { break }
            let i = 1 + othersNext / R
            let r = othersNext % R
            othersNext += 1
            startJoin(r * O + i)
        }
    }

    private func startJoin(_ g: Int) {
        guard let link else { return }
        state[g] = .joining
        opsInFlight += 1
        writeJoin(g, into: &link.out)
    }

    func sendConfiguration(_ g: Int) {
        guard let link else { return }
        writeConfiguration(g, into: &link.out)
    }

    func joinCompleted(_ g: Int, ok: Bool, now: UInt64) {
        guard current?.kind == .joins else {
            state[g] = ok ? .joined : .failed
            return
        }
        state[g] = ok ? .joined : .failed
        opsInFlight -= 1
        opsDone += 1
        if ok { current?.operations += 1 } else { current?.failures += 1 }
        if g % O == 0 { creatorsDone += 1 }
        lastProgress = now
        if opsDone == opsTarget {
            joinsFinished = true
            current?.endedAt = now
            expectedSeenTotal = computeExpectedSightings()
            if expectedSeenSet >= expectedSeenTotal { completeJoinsPhase() }
        } else {
            pumpJoins()
        }
    }

    /// Presence sightings a complete join phase produces.
    private func computeExpectedSightings() -> Int {
        var total = 0
        for r in 0..<R {
            var joined = 0
            for i in 0..<O where state[r * O + i] == .joined { joined += 1 }
            if scenario.lean {
                total += joined + (state[r * O] == .joined ? max(0, joined - 1) : 0)
            } else {
                total += joined * joined
            }
        }
        return total
    }

    func completeJoinsPhase() {
        guard let c = current, c.kind == .joins else { return }
        finishPhase(now: c.endedAt, timedOut: false)
    }

    // MARK: Messages

    private func startMessages(_ kind: PhaseKind, from: Int, count: Int, rate: Double, measure: Bool) -> EventLoopFuture<PhaseResult> {
        let f = begin(kind)
        let now = current?.startedAt ?? monotonicNanos()
        seqStart = Int32(from)
        seqEnd = Int32(from + count)
        var joinedIn = Array(repeating: 0, count: R)
        for g in 0..<U where state[g] == .joined { joinedIn[g / O] += 1 }
        senderList = []
        var expected = 0
        for slot in 0..<S {
            for r in 0..<R where state[r * O + slot] == .joined {
                let g = r * O + slot
                senderList.append(Int32(g))
                nextSeq[g] = seqStart
                inFlight[g] = 0
                expected += count * joinedIn[r]
            }
        }
        current?.expected = expected
        histogram.reset()
        measureLatency = measure
        reflectedInPhase = 0
        if expected == 0 {
            finishPhase(now: now, timedOut: false)
            return f
        }
        if rate <= 0 {
            self.rate = 0
            for _ in 0..<max(1, scenario.inFlight) {
                for g in senderList { sendNext(Int(g), now: now) }
            }
        } else {
            self.rate = rate
            rateStart = now
            rateSent = 0
            rateTotal = senderList.count * count
            current?.targetRate = rate
            rateTask = loop.scheduleRepeatedTask(initialDelay: .milliseconds(1), delay: .milliseconds(1)) { [weak self] _ in
                self?.rateTick()
            }
            rateTick()
        }
        link?.flush()
        return f
    }

    /// Closed loop: the sender's next message, if it has one left in this phase.
    @inline(__always)
    func sendNext(_ g: Int, now: UInt64) {
        guard rate == 0, let link, nextSeq[g] < seqEnd, let kind = current?.kind,
              kind == .messages || kind == .warmup || kind == .paced else { return }
        writeMessage(g, seq: Int(nextSeq[g]), stamp: now, into: &link.out)
        nextSeq[g] += 1
        inFlight[g] += 1
        current?.operations += 1
    }

    /// Open loop: sends every message due by now, stamped with its scheduled time (so a bench or
    /// service that falls behind shows up in the latency rather than hiding it).
    private func rateTick() {
        guard let link, rate > 0, current != nil else { return }
        let now = monotonicNanos()
        let due = min(rateTotal, Int(Double(now - rateStart) * rate / 1e9) + 1)
        let n = senderList.count
        while rateSent < due {
            if rateSent - reflectedInPhase >= scenario.maxOutstanding {
                current?.rateCapped = true
                break
            }
            let g = Int(senderList[rateSent % n])
            let seq = Int(seqStart) + rateSent / n
            let stamp = rateStart + UInt64(Double(rateSent) * 1e9 / rate)
            writeMessage(g, seq: seq, stamp: stamp, into: &link.out)
            inFlight[g] += 1
            rateSent += 1
            current?.operations += 1
        }
        if rateSent >= rateTotal {
            rateTask?.cancel()
            rateTask = nil
        }
        link.flush()
    }

    // MARK: Leaves

    private func startLeaves() -> EventLoopFuture<PhaseResult> {
        let f = begin(.leaves)
        leaveOrder = []
        for idx in 0..<(R * (O - 1)) {
            let g = (idx % R) * O + 1 + idx / R
            if state[g] == .joined { leaveOrder.append(Int32(g)) }
        }
        for r in 0..<R where state[r * O] == .joined { leaveOrder.append(Int32(r * O)) }
        leaveNext = 0
        opsTarget = leaveOrder.count
        if opsTarget == 0 {
            finishPhase(now: monotonicNanos(), timedOut: false)
            return f
        }
        pumpLeaves()
        link?.flush()
        return f
    }

    private func pumpLeaves() {
        guard let link else { return }
        let window = max(1, scenario.joinWindow)
        while opsInFlight < window && leaveNext < leaveOrder.count {
            let g = Int(leaveOrder[leaveNext])
            leaveNext += 1
            state[g] = .leaving
            opsInFlight += 1
            writeLeave(g, into: &link.out)
        }
    }

    func leaveCompleted(_ g: Int, now: UInt64) {
        state[g] = .left
        guard current?.kind == .leaves else { return }
        opsInFlight -= 1
        opsDone += 1
        current?.operations += 1
        lastProgress = now
        if opsDone == opsTarget {
            finishPhase(now: now, timedOut: false)
        } else {
            pumpLeaves()
        }
    }

    // MARK: Probe

    private func sendProbe() {
        guard let link, probePromise != nil else { return }
        probeCount += 1
        link.out.writeString("<iq type='get' from='\(probeFrom)' to='\(probeTarget)' id='probe\(probeCount)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        link.flush()
    }
}
