/// Shorthand for expected stanzas in transcripts (room `room@conference.localhost`).
enum X {
    static let room = People.room

    /// A presence from `room/nick` whose `muc#user` element holds exactly `content` (strict).
    static func presence(_ nick: String, type: String? = nil, _ content: String) -> String {
        let t = type.map { " type='\($0)'" } ?? ""
        return "<presence from='\(room)/\(nick)'\(t)><x xmlns='http://jabber.org/protocol/muc#user'>\(content)</x></presence>"
    }

    /// `<item/>` with the given attributes and children.
    static func item(_ affiliation: String, _ role: String?, jid: String? = nil, nick: String? = nil, _ children: String = "") -> String {
        var a = " affiliation='\(affiliation)'"
        if let role { a += " role='\(role)'" }
        if let jid { a += " jid='\(jid)'" }
        if let nick { a += " nick='\(nick)'" }
        return children.isEmpty ? "<item\(a)/>" : "<item\(a)>\(children)</item>"
    }

    static func status(_ codes: Int...) -> String { codes.map { "<status code='\($0)'/>" }.joined() }

    static func actor(nick: String? = nil, jid: String? = nil) -> String {
        var a = ""
        if let nick { a += " nick='\(nick)'" }
        if let jid { a += " jid='\(jid)'" }
        return "<actor\(a)/>"
    }

    static func reason(_ r: String) -> String { "<reason>\(r)</reason>" }

    /// The empty-subject message every join ends with.
    static let emptySubject = "<message type='groupchat' from='\(room)'><subject/></message>"

    /// `<iq type='result' id='…'/>` from the room (children not checked).
    static func result(_ id: String) -> String { "<iq type='result' from='\(room)' id='\(id)'/>" }

    /// A groupchat message from the room with only these status codes (strict).
    static func statusMessage(_ codes: Int...) -> String {
        "<message type='groupchat' from='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'>"
            + codes.map { "<status code='\($0)'/>" }.joined() + "</x></message>"
    }

    /// The announcement of an affiliation change of a user not in the room (strict item).
    static func affiliationMessage(_ jid: String, _ affiliation: String) -> String {
        "<message from='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='\(jid)' affiliation='\(affiliation)'/></x></message>"
    }
}
