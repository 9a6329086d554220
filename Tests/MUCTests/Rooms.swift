import Testing
import XMPPCore
@testable import MUC

extension Transcript {
    /// An unlocked room with Romeo (owner, moderator) and Juliet (participant), after `config`.
    static func romeoAndJuliet(_ settings: MUCSettings = MUCSettings(domain: "conference.localhost"), config: String = "") -> Transcript {
        var t = Transcript(settings)
        t.createInstantRoom(People.romeo, nick: "Romeo")
        if !config.isEmpty { t.submitConfig(People.romeo, config) }
        t.join(People.juliet, nick: "Juliet")
        return t
    }

    /// The occupant id the service gives `user` (a bare JID) in the test room.
    func occupantID(_ user: String, room: String = People.room) -> String {
        service.settings.occupantID(room: try! BareJID(room), user: try! BareJID(user))
    }

    /// Sends a groupchat message with a body; returns the stanza id the room gave it.
    @discardableResult
    mutating func say(_ from: String, _ body: String, id: String? = nil, extra: String = "") -> String? {
        let idAttr = id.map { " id='\($0)'" } ?? ""
        let out = send("<message type='groupchat' to='\(People.room)'\(idAttr)><body>\(body)</body>\(extra)</message>", from: from)
        return out.deliveries.first?.stanza.child("stanza-id", namespace: NS.stanzaID)?.attribute("id")
    }
}

/// `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='…'/>`.
func occupantIDElement(_ id: String) -> String { "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='\(id)'/>" }
