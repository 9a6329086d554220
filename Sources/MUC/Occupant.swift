import XMPPCore

/// One occupant: a nick in the room held by one bare JID, with one or more sessions.
///
/// XEP-0045 §7.2.8 says a service SHOULD let a user whose bare JID already holds a nick join with
/// the same nick from another resource. We do (as the widely deployed servers do): each such
/// resource is a session of the same occupant; in-room messages go to every session, private
/// messages too (RECOMMENDED there), and the occupant leaves when its last session leaves.
struct Occupant {
    var nick: String
    let bare: BareJID
    var role: Role
    /// Real JIDs of the sessions, in join order.
    var sessions: [JID]
    /// Payload of the last presence received from any session, reflected to others: everything
    /// the client sent except the MUC join element, `muc#user` data (§17.3 rule 6) and what only
    /// the room may assert (occupant ids, hats).
    var payload: [Element]
    /// XEP-0421 occupant id: derived from the room and the real bare JID when the occupant enters.
    let occupantID: String
}

extension Occupant {
    /// The reflected part of a client's presence: child elements except `<x xmlns='…muc'/>`,
    /// `<x xmlns='…muc#user'/>`, and the occupant id (XEP-0421: replaced by the room's) and hats
    /// (XEP-0317: assigned by the room) a client might forge. Whitespace between children is dropped.
    static func reflectedPayload(of presence: Element) -> [Element] {
        var out: [Element] = []
        for case .element(let e) in presence.children {
            if e.name == "x" && (e.namespace == NS.muc || e.namespace == NS.mucUser) { continue }
            if e.namespace == NS.occupantID || e.namespace == NS.hats { continue }
            out.append(e)
        }
        return out
    }
}
