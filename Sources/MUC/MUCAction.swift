import XMPPCore

/// What the service asks the runtime to do after handling a stanza or a storage outcome. Actions
/// are carried out in order; the order is part of the protocol (XEP-0045 §7.1 "Order of Events").
///
/// The storage actions start a conversation: the runtime carries each out and reports its outcome
/// back to the service (`roomLoaded`, `stored`, `storeFailed`, `roomsListed`, `listingFailed`).
/// Until then the room concerned holds its input; other rooms go on.
public enum MUCAction: Sendable, Equatable {
    /// Send one stanza; its `to` and `from` are set.
    case send(Element)
    /// Send the same stanza to each recipient; only `to` differs. The element carries no `to`
    /// attribute: the runtime serializes it once and writes it N times with each recipient's
    /// address (the hot path of a groupchat message).
    case broadcast(Element, to: [JID])
    /// Send a joining session the presences of the room, one after the other, in the sequence's
    /// order (each with its `to` set); they are made while being written (see `Roster`).
    case roster(Roster)
    /// Read a room from the store; answer with `MUCService.roomLoaded` (the record, or nil when it
    /// is not stored) or `MUCService.storeFailed`.
    case loadRoom(BareJID)
    /// Durably store a room's state, writing what `changes` names; answer with `MUCService.stored`
    /// or `MUCService.storeFailed`. What depends on the change (an owner's iq result) is sent by
    /// the service only after `stored`.
    case storeRoom(RoomRecord, changes: RoomChanges)
    /// Remove a room from storage, its archive with it; answer with `MUCService.stored` or
    /// `MUCService.storeFailed`. Archive writes asked for earlier are carried out first (else one
    /// could land after the deletion).
    case deleteRoom(BareJID)
    /// Read one page of stored rooms; answer with `MUCService.roomsListed` or
    /// `MUCService.listingFailed`, naming the listing's id.
    case listRooms(RoomListing)
    /// Append a message to its room's archive (XEP-0313), grouped with others in one commit;
    /// answer with `MUCService.archived`. Writes of one room are committed in the order asked.
    /// Until the answer, the room's later output waits (a message is delivered only once archived).
    case archive(ArchiveWrite)
    /// Read one page of a room's archive; answer with `MUCService.archiveAnswered` or
    /// `MUCService.archiveQueryFailed`, naming the query's ticket.
    case queryArchive(UInt64, ArchiveQuery)
    /// Delete a room's archive, after the archive writes asked for earlier; no answer. Asked for
    /// when a room stops being kept in a service without a room store (with one, `.deleteRoom`
    /// takes the archive with the room).
    case deleteArchive(BareJID)

    /// Whether the action delivers stanzas (as opposed to asking the store for something).
    var isDelivery: Bool {
        switch self {
        case .send, .broadcast, .roster: return true
        case .loadRoom, .storeRoom, .deleteRoom, .listRooms, .archive, .queryArchive, .deleteArchive: return false
        }
    }
}
