import NIOCore

extension BenchRun {
    /// Before the measured phases: `users` simulated users join one room of their own (full
    /// presence, named apart from the scenario's rooms) and leave it again, unmeasured, over the
    /// same connection. A process's first joins pay one-time costs (code run for the first time
    /// and faulted in, runtime caches, the heap's first growth: about 0.7 MB for the service) that
    /// are not per occupant; without this they land in the join phase's memory and CPU figures,
    /// which for a room of 1 000 doubles the memory per occupant. The same applies to every
    /// target (service, Prosody, ejabberd, echo). Throws when a warm-up join or leave fails.
    func warmUp(users: Int) throws {
        guard users > 0 else { return }
        var s = Scenario()
        s.rooms = 1
        s.occupants = users
        s.messages = 0
        s.joinWindow = engine.scenario.joinWindow
        s.stallSeconds = engine.scenario.stallSeconds
        let main = engine
        let naming = Naming(userDomain: main.naming.userDomain, mucDomain: main.naming.mucDomain,
                            roomPrefix: main.naming.roomPrefix + "warmup-")
        let warm = LoadEngine(loop: main.loop, scenario: s, naming: naming, probeFrom: main.probeFrom)
        try main.loop.submit {
            guard let link = main.link else { throw BenchError.setup("warm-up: no connection") }
            warm.attach(link)
            warm.linkReady(link)
        }.wait()
        // Whatever happens, the scenario's engine gets its connection back.
        defer {
            _ = try? main.loop.submit {
                warm.watchdog?.cancel()
                if let link = warm.link { main.attach(link) }
            }.wait()
        }
        let joins = try warm.runJoins().wait()
        let leaves = try warm.runLeaves().wait()
        let problems = [
            joins.failures > 0 ? "\(joins.failures) joins refused" : nil,
            joins.missing > 0 || joins.timedOut ? "\(joins.missing) join sightings missing" : nil,
            leaves.missing > 0 || leaves.timedOut ? "\(leaves.missing) leaves unanswered" : nil,
        ].compactMap { $0 }
        guard problems.isEmpty else {
            let first = try main.loop.submit { warm.counters.firstError }.wait()
            throw BenchError.setup("warm-up room of \(users) failed: \(problems.joined(separator: ", "))"
                                   + (first.map { "; first error: \($0)" } ?? ""))
        }
        log(String(format: "warm-up  %d users joined and left a room of their own (not measured)", users))
    }
}
