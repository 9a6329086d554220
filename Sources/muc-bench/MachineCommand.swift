import ArgumentParser
import CMalloc
import Component
import MUCConfig
import NIOCore
import XMPPCore
#if canImport(Glibc)
import Glibc
#endif

/// `muc-bench machine`: the service's own work per join, message and leave, in process: the
/// production router (room machine, action runtime, serialization into the output buffer) fed
/// ready-made stanzas, with no sockets, no XML parsing and no other process. Steadier than
/// `direct` on a shared machine, because it measures this thread's CPU time only; `direct`
/// includes the kernel's TCP work and the stream parser.
struct MachineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "machine",
        abstract: "Measure the service's CPU per join, delivery and leave in process (no sockets, no XML parsing).")

    @Option(help: "Rooms.")
    var rooms = 500
    @Option(help: "Occupants per room.")
    var occupants = 10
    @Option(help: "Messages per occupant (0 skips the message phase).")
    var messages = 0
    @Option(help: "Bytes of each message body.")
    var payload = 64
    @Flag(help: "Rooms broadcast moderators' presence only (configured through the form).")
    var lean = false
    @Option(help: "Repeat the whole run this many times (fresh service each time); the figures of each run are printed.")
    var runs = 3

    func run() throws {
        guard rooms > 0, occupants > 0, runs > 0 else { throw ValidationError("rooms, occupants and runs must be positive") }
        var results: [JSON] = []
        for run in 1...runs {
            let r = try measureOnce()
            print(String(format: "run %d: joins %.2f µs CPU each (%.0f/s of one core), %@leaves %.2f µs, %d stanzas out, RSS %+.0f B per occupant, heap in use %+.0f B per occupant",
                         run, r.joinMicros, 1e6 / r.joinMicros,
                         r.deliveries > 0 ? String(format: "messages %.3f µs per delivery, ", r.deliveryMicros) : "",
                         r.leaveMicros, r.stanzasOut, r.bytesPerOccupant, r.heapBytesPerOccupant))
            results.append(.object([
                ("cpu_us_per_join", .number(r.joinMicros)), ("cpu_us_per_delivery", .number(r.deliveries > 0 ? r.deliveryMicros : nil)),
                ("cpu_us_per_leave", .number(r.leaveMicros)), ("stanzas_out", .number(r.stanzasOut)),
                ("bytes_per_occupant", .number(r.bytesPerOccupant, digits: 0)),
                ("heap_bytes_per_occupant", .number(r.heapBytesPerOccupant, digits: 0)),
            ]))
        }
        print(JSON.object([
            ("mode", .string("machine")), ("rooms", .number(rooms)), ("occupants", .number(occupants)),
            ("messages", .number(messages)), ("lean", .bool(lean)), ("runs", .array(results)),
        ]).text)
    }

    struct Result {
        var joinMicros = 0.0, deliveryMicros = 0.0, leaveMicros = 0.0
        var stanzasOut = 0, deliveries = 0
        var bytesPerOccupant = 0.0
        /// Growth of the bytes malloc has handed out and not taken back, per occupant: the room
        /// state itself, without what the allocator keeps for reuse.
        var heapBytesPerOccupant = 0.0
    }

    /// The service's configuration for in-process runs (as `direct` writes it: memory storage, no
    /// occupant limit, `conference.localhost`).
    static var serviceConfiguration: Configuration {
        var configuration = Configuration()
        configuration.component.domain = "conference.localhost"
        configuration.storage.backend = .memory
        configuration.rooms.maxUsers = 0
        configuration.limits.maxOccupantsPerRoom = 0
        configuration.rooms.historyLength = 5
        return configuration
    }

    private func measureOnce() throws -> Result {
        let configuration = Self.serviceConfiguration
        let service = InProcessService(configuration: configuration, secret: "bench-secret")
        service.onChunk = { _ in }   // written out and dropped, as the link would
        let total = rooms * occupants
        let user = { (g: Int) in "user\(g)@load.localhost/r" }
        let roomOf = { (g: Int) in "room\(g / occupants)@conference.localhost" }
        let now = 1_800_000_000.0
        var out = Result()
        func drain() {
            out.stanzasOut += service.pendingStanzas
            _ = service.take()
        }

        // Joins: the first occupant of each room creates and configures it, then the others join
        // round-robin over the rooms (as `direct` does), asking for no history.
        func join(_ g: Int, room: String? = nil) -> Element {
            let x = Element("x", namespace: NS.muc, attrs: [:], children: [Element("history", namespace: NS.muc, attrs: ["maxstanzas": "0"])])
            return Element("presence", namespace: NS.component, attrs: ["from": user(g), "to": (room ?? roomOf(g)) + "/nick\(g)", "id": "j\(g)"], children: [x])
        }
        func leave(_ g: Int, room: String? = nil) -> Element {
            Element("presence", namespace: NS.component, attrs: ["type": "unavailable", "from": user(g), "to": (room ?? roomOf(g)) + "/nick\(g)"])
        }
        var fields: [Element] = [Element("field", namespace: NS.dataForms, attrs: ["var": "FORM_TYPE"],
                                         children: [.text("value", namespace: NS.dataForms, "http://jabber.org/protocol/muc#roomconfig")])]
        if lean {
            fields.append(Element("field", namespace: NS.dataForms, attrs: ["var": "muc#roomconfig_presencebroadcast"],
                                  children: [.text("value", namespace: NS.dataForms, "moderator")]))
        }
        func configure(_ g: Int, room: String? = nil) -> Element {
            let form = Element("x", namespace: NS.dataForms, attrs: ["type": "submit"], children: fields)
            return Element("iq", namespace: NS.component, attrs: ["type": "set", "from": user(g), "to": room ?? roomOf(g), "id": "cfg\(g)"],
                           children: [Element("query", namespace: NS.mucOwner, attrs: [:], children: [form])])
        }
        var joins: [Element] = []
        joins.reserveCapacity(total + rooms)
        for r in 0..<rooms { joins.append(join(r * occupants)); joins.append(configure(r * occupants)) }
        for i in 1..<occupants { for r in 0..<rooms { joins.append(join(r * occupants + i)) } }
        let probe = ProcessProbe(pid: getpid(), name: "bench")
        // As `direct --warmup-joins`: a room of 50 of its own first, so that what runs for the
        // first time in this process (and the heap's first growth) is not counted per occupant.
        let warm = InProcessService(configuration: configuration, secret: "bench-secret")
        warm.onChunk = { _ in }
        let warmRoom = "warmup@conference.localhost"
        for g in 0..<50 {
            warm.process(join(g, room: warmRoom), now: now)
            if g == 0 { warm.process(configure(0, room: warmRoom), now: now) }
            _ = warm.take()
        }
        for g in 0..<50 {
            warm.process(leave(g, room: warmRoom), now: now)
            _ = warm.take()
        }
        let rssBefore = Double(probe.sample().rssBytes ?? 0)
        let heapBefore = Self.heapInUse()
        var t = threadCPUNanos()
        for s in joins { service.process(s, now: now); drain() }
        out.joinMicros = Double(threadCPUNanos() - t) / 1e3 / Double(total)
        out.bytesPerOccupant = (Double(probe.sample().rssBytes ?? 0) - rssBefore) / Double(total)
        out.heapBytesPerOccupant = (Self.heapInUse() - heapBefore) / Double(total)

        if messages > 0 {
            let body = String(repeating: "x", count: payload)
            var batch: [Element] = []
            batch.reserveCapacity(total * messages)
            for m in 0..<messages {
                for g in 0..<total {
                    batch.append(Element("message", namespace: NS.component,
                                         attrs: ["from": user(g), "to": roomOf(g), "type": "groupchat", "id": "m\(g)-\(m)"],
                                         children: [.text("body", namespace: NS.component, body)]))
                }
            }
            let before = out.stanzasOut
            t = threadCPUNanos()
            for s in batch { service.process(s, now: now); drain() }
            out.deliveries = out.stanzasOut - before
            out.deliveryMicros = Double(threadCPUNanos() - t) / 1e3 / Double(max(out.deliveries, 1))
            let expected = total * messages * occupants
            guard out.deliveries == expected else {
                throw BenchError.setup("machine: \(out.deliveries) deliveries, expected \(expected)")
            }
        }

        let leaves = (0..<total).map { leave($0) }
        t = threadCPUNanos()
        for s in leaves { service.process(s, now: now); drain() }
        out.leaveMicros = Double(threadCPUNanos() - t) / 1e3 / Double(total)
        return out
    }

    /// Bytes allocated and not freed: in the arenas (`uordblks`) and in chunks mapped on their own
    /// (`hblkhd`, allocations above the mmap threshold, such as a big room's occupant table).
    static func heapInUse() -> Double {
        let info = mallinfo2()
        return Double(info.uordblks + info.hblkhd)
    }

    private func threadCPUNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
