import XMPPCore

/// Accumulates the actions produced while handling one stanza.
struct ActionList {
    var actions: [MUCAction] = []
    /// A change of durable state that the actions appended from now on depend on: the service
    /// turns it into a storage action and sends `pendingWrite.then` only once it is stored.
    var pendingWrite: PendingWrite?
    /// A message for the archive that the actions appended from now on depend on: the service asks
    /// for the archive write and sends `pendingArchive.then` only once it is committed.
    var pendingArchive: PendingArchive?
    /// An archive query to start (the service gives it a ticket and keeps it until answered).
    var archiveQuery: PendingArchiveQuery?
    /// A joiner's history that needs the archive: the actions appended from now on (the subject,
    /// and whatever follows) wait for it.
    var pendingHistory: PendingHistory?

    /// Sends a stanza whose `to` is already set.
    mutating func send(_ stanza: Element) {
        append(.send(stanza))
    }

    /// Sends `stanza` to one recipient.
    mutating func send(_ stanza: Element, to recipient: JID) {
        var s = stanza
        s.setAttribute("to", recipient.description)
        append(.send(s))
    }

    /// Sends `stanza` to every recipient: one `.send` for a single recipient, else one `.broadcast`
    /// (serialized once by the runtime).
    mutating func emit(_ stanza: Element, to recipients: [JID]) {
        switch recipients.count {
        case 0: return
        case 1: send(stanza, to: recipients[0])
        default:
            var s = stanza
            s.setAttribute("to", nil)
            append(.broadcast(s, to: recipients))
        }
    }

    /// Appends an action; after a pending write or archive write, it waits for that write.
    mutating func append(_ action: MUCAction) {
        if pendingWrite != nil {
            pendingWrite!.then.append(action)
        } else if pendingArchive != nil {
            pendingArchive!.then.append(action)
        } else if pendingHistory != nil {
            pendingHistory!.then.append(action)
        } else {
            actions.append(action)
        }
    }

    mutating func append(contentsOf other: ActionList) {
        for a in other.actions { append(a) }
        if let p = other.pendingWrite {
            precondition(pendingWrite == nil, "one stanza makes at most one durable change")
            pendingWrite = p
        }
        precondition(other.pendingArchive == nil && other.archiveQuery == nil && other.pendingHistory == nil,
                     "archive requests are made on the stanza's list")
    }
}

/// A room's durable change waiting to be stored, with what the service needs after the outcome:
/// the effects to send on success, and on failure the room as it was and the request to refuse.
struct PendingWrite {
    enum Write {
        case save(RoomRecord, RoomChanges)
        case delete
    }

    var write: Write
    /// The room before the change: put back if the write fails.
    var before: Room
    /// The stanza that asked for the change: refused with `internal-server-error` if it fails.
    var request: Element
    /// What the change makes the room say, sent once it is stored.
    var then: [MUCAction] = []
}

/// A message waiting for its archive write, with what the service needs after the outcome.
struct PendingArchive {
    var write: ArchiveWrite
    /// The stanza that made it (the occupant's message, the moderator's iq): refused if the write fails.
    var request: Element
    /// What the room says once it is archived (the reflection, a moderator's result).
    var then: [MUCAction] = []
}

/// An archive query waiting for its page, with what the answer needs.
struct PendingArchiveQuery {
    var query: ArchiveQuery
    /// The requester's iq.
    var iq: Element
    /// The query's `queryid`, repeated in each result.
    var queryID: String?
    /// `room@service`.
    var roomAddress: String
    /// Whether results show senders' real JIDs to this requester.
    var showsRealJIDs: Bool
}

/// A joiner's discussion history that the in-memory ring cannot give alone (after a restart, or
/// when it asks for more than the ring holds): the archive's newest messages are read first.
struct PendingHistory {
    var query: ArchiveQuery
    /// The joining session.
    var session: JID
    /// What it asked for in `<history/>`.
    var request: History.Request
    /// The room's ring at the time of the join (newer messages than the archive may yet hold).
    var ring: [History.Entry]
    /// Most messages the room sends (`muc#roomconfig_historylength`).
    var limit: Int
    /// `room@service`.
    var roomAddress: String
    /// When the joiner asked (its `seconds` count back from then).
    var now: Double
    /// Sent after the history: the subject, then whatever the room said meanwhile.
    var then: [MUCAction] = []
}
