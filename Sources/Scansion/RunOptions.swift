import ScansionCore

/// Timing of a script run. The defaults are those of the scansion README; tests may shorten the
/// `receives: nothing` wait without changing its meaning.
public struct RunOptions: Sendable {
    /// How long a `receives` step waits for each expected stanza.
    public var receiveTimeout: Duration
    /// How long `receives: nothing` watches for a new stanza.
    public var nothingWait: Duration
    /// Pause after a `sends` step when the next step belongs to another client, so the server sees
    /// the two clients' traffic in script order.
    public var interClientPause: Duration
    /// Pause before each action that is not a receive step, before the action is counted. Through a
    /// real server, stanzas that answer an earlier step (e.g. the config-change notification after an
    /// IQ result) are still in flight when the script moves on; the pause lets them arrive while they
    /// still count as stale. Zero for the fake server, which uses `barrierJID` instead.
    public var settleBeforeAction: Duration
    /// A JID that answers XEP-0199 pings after everything it received before (the service under
    /// test). When set, before each action that is not a receive step every connected client pings
    /// it and waits for the answer (which the script never sees): whatever the service sent in
    /// answer to earlier steps has then reached the clients and counts as stale, as the settle pause
    /// gives through a real server. The fake-server harness sets it to the service's domain.
    public var barrierJID: String?

    public init(receiveTimeout: Duration = .seconds(5), nothingWait: Duration = .seconds(2),
                interClientPause: Duration = .milliseconds(100), settleBeforeAction: Duration = .zero,
                barrierJID: String? = nil) {
        self.receiveTimeout = receiveTimeout
        self.nothingWait = nothingWait
        self.interClientPause = interClientPause
        self.settleBeforeAction = settleBeforeAction
        self.barrierJID = barrierJID
    }
}
