import XMPPCore

/// Builders for the elements the service sends. Stanzas are in `jabber:component:accept`,
/// payloads in their own namespaces.
enum Build {
    /// `<status code='…'/>` in `muc#user`.
    static func status(_ code: StatusCode) -> Element {
        Element("status", namespace: NS.mucUser, attrs: ["code": String(code.rawValue)])
    }

    /// `<x xmlns='…muc#user'>`: status codes before the items, the items, then status codes after.
    /// The reference scripts fix this order: e.g. creation is 201, item, 110 and a kick is 307, item, 110.
    static func userX(pre: [StatusCode] = [], items: [Element] = [], post: [StatusCode] = []) -> Element {
        var x = Element("x", namespace: NS.mucUser)
        x.children.reserveCapacity(pre.count + items.count + post.count)
        for c in pre { x.append(status(c)) }
        for i in items { x.append(i) }
        for c in post { x.append(status(c)) }
        return x
    }

    /// A `muc#user` (or `muc#admin`) `<item/>`.
    static func item(namespace: String = NS.mucUser, affiliation: Affiliation?, role: Role?, jid: String?,
                     nick: String? = nil, actor: Element? = nil, reason: String? = nil) -> Element {
        var e = Element("item", namespace: namespace, attrs: [
            "affiliation": affiliation?.rawValue, "role": role?.rawValue, "jid": jid, "nick": nick,
        ])
        if let actor { e.append(actor) }
        if let reason { e.append(.text("reason", namespace: namespace, reason)) }
        return e
    }

    /// `<actor nick='…' jid='…'/>`; nil when there is nothing to show.
    static func actor(namespace: String = NS.mucUser, nick: String?, jid: String?) -> Element? {
        guard nick != nil || jid != nil else { return nil }
        return Element("actor", namespace: namespace, attrs: ["nick": nick, "jid": jid])
    }

    /// A presence from an occupant JID: the reflected payload, the `muc#user` element, then what
    /// the room adds (occupant id, hats).
    static func presence(from: String, to: String? = nil, type: String? = nil, id: String? = nil, payload: [Element], x: Element,
                         extra: [Element] = []) -> Element {
        var p = Element("presence", namespace: NS.component, attrs: ["from": from, "id": id, "type": type, "to": to])
        p.children.reserveCapacity(payload.count + 1 + extra.count)
        for e in payload { p.append(e) }
        p.append(x)
        for e in extra { p.append(e) }
        return p
    }

    /// An error reply to `stanza` from whatever it was addressed to. Presence and message errors
    /// from a room carry `by='room@service'` as in the XEP-0045 examples.
    static func error(_ stanza: Element, _ condition: StanzaError.Condition, type: StanzaError.ErrorType? = nil,
                      text: String? = nil, by: BareJID? = nil) -> Element {
        stanza.errorReply(StanzaError(condition, type: type, text: text, by: by?.description))
    }

    /// A `<query xmlns=ns/>`.
    static func query(_ namespace: String, attrs: KeyValuePairs<String, String?> = [:], children: [Element] = []) -> Element {
        Element("query", namespace: namespace, attrs: attrs, children: children)
    }

    /// `<feature var='…'/>` for disco#info.
    static func feature(_ v: String) -> Element {
        Element("feature", namespace: NS.discoInfo, attrs: ["var": v])
    }

    /// `<identity category='conference' type='text' name='…'/>`.
    static func conferenceIdentity(name: String?) -> Element {
        Element("identity", namespace: NS.discoInfo, attrs: ["category": "conference", "name": name, "type": "text"])
    }
}
