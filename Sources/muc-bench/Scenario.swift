/// What one run does: the shape of the load and how it is paced.
struct Scenario {
    /// Rooms, occupants per room, messages per sender.
    var rooms = 1
    var occupants = 10
    var messages = 20
    /// Occupants per room that send messages (the first ones); 0 means all.
    var senders = 0
    /// Bytes of each message body (the marker plus padding).
    var payload = 64
    /// Messages in flight per sender (closed loop), used when `rate` is 0.
    var inFlight = 1
    /// Messages per second in total (open loop), 0 for closed loop.
    var rate = 0.0
    /// Messages per sender sent before the measured phase and left out of its figures.
    var warmup = 0
    /// After the measured phase, one more open-loop phase at this fraction of the measured
    /// messages/s (0 = none): latency at a load below the peak.
    var pacedFraction = 0.0
    /// Joins (and leaves) in flight at once, over all rooms.
    var joinWindow = 64
    /// Rooms broadcast only moderators' presence (`muc#roomconfig_presencebroadcast` = moderator):
    /// joins cost O(1) instead of O(occupants), for very large rooms. The join check then expects
    /// each occupant to see its own presence and the creator's.
    var lean = false
    /// Whether to run the leave phase.
    var leave = true
    /// Extra fields for the room configuration form the creator submits (empty: instant room).
    var roomForm: [(String, String)] = []
    /// A phase with no progress for this long ends, counting what is missing.
    var stallSeconds = 20.0
    /// Most messages outstanding (sent, not yet reflected to their sender) in open-loop mode.
    var maxOutstanding = 20_000

    var effectiveSenders: Int { senders <= 0 ? occupants : min(senders, occupants) }
    var users: Int { rooms * occupants }
    /// Sequence numbers each sender uses over the whole run.
    var sequenceSpace: Int { warmup + messages + (pacedFraction > 0 ? messages : 0) }

    /// The form fields the creator submits (lean adds presence broadcast to moderators only).
    var formFields: [(String, String)] {
        var f = roomForm
        if lean { f.append(("muc#roomconfig_presencebroadcast", "moderator")) }
        return f
    }

    var label: String { "\(rooms)x\(occupants)x\(messages)" }
}

/// Addresses of the simulated users and rooms.
struct Naming {
    /// Domain of the simulated users (`localhost` in direct mode, the bench's component domain behind a server).
    var userDomain: String
    /// The MUC service's domain.
    var mucDomain: String
    /// Prefix of room localparts, so that runs against a long-lived server do not meet old rooms.
    var roomPrefix: String

    func user(_ g: Int) -> String { "user\(g)@\(userDomain)/r" }
    func room(_ r: Int) -> String { "\(roomPrefix)room\(r)@\(mucDomain)" }
    func occupant(room r: Int, user g: Int) -> String { "\(room(r))/nick\(g)" }
}
