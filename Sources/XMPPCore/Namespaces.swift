/// XML namespaces used across the service, each with the specification that defines it.
public enum NS {
    /// RFC 6120: the stream namespace (`stream:` prefix).
    public static let stream = "http://etherx.jabber.org/streams"
    /// XEP-0114: the component stream's default namespace.
    public static let component = "jabber:component:accept"
    /// RFC 6120: the client stream's default namespace.
    public static let client = "jabber:client"
    /// RFC 6120 §4.9.3: stream error conditions.
    public static let streams = "urn:ietf:params:xml:ns:xmpp-streams"
    /// RFC 6120 §8.3: stanza error conditions.
    public static let stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"
    /// RFC 6120 §6: SASL.
    public static let sasl = "urn:ietf:params:xml:ns:xmpp-sasl"
    /// RFC 6120 §7: resource binding.
    public static let bind = "urn:ietf:params:xml:ns:xmpp-bind"
    /// The XML namespace bound to the `xml:` prefix.
    public static let xml = "http://www.w3.org/XML/1998/namespace"

    /// XEP-0045: Multi-User Chat, join request.
    public static let muc = "http://jabber.org/protocol/muc"
    /// XEP-0045: occupant-facing payloads.
    public static let mucUser = "http://jabber.org/protocol/muc#user"
    /// XEP-0045: moderator and admin queries.
    public static let mucAdmin = "http://jabber.org/protocol/muc#admin"
    /// XEP-0045: owner queries (configuration, destruction).
    public static let mucOwner = "http://jabber.org/protocol/muc#owner"
    /// XEP-0045: `FORM_TYPE` of the room configuration form.
    public static let mucRoomConfig = "http://jabber.org/protocol/muc#roomconfig"
    /// XEP-0045: `FORM_TYPE` of the room information form (XEP-0128).
    public static let mucRoomInfo = "http://jabber.org/protocol/muc#roominfo"
    /// XEP-0045: `FORM_TYPE` of the nick registration form.
    public static let mucRegister = "http://jabber.org/protocol/muc#register"
    /// XEP-0045: `FORM_TYPE` of the voice request form.
    public static let mucRequest = "http://jabber.org/protocol/muc#request"
    /// XEP-0045 §7.2.3: the stable identifier feature.
    public static let mucStableID = "http://jabber.org/protocol/muc#stable_id"

    /// XEP-0030: service discovery.
    public static let discoInfo = "http://jabber.org/protocol/disco#info"
    /// XEP-0059: result set management (paging of disco#items).
    public static let rsm = "http://jabber.org/protocol/rsm"
    /// XEP-0030: service discovery items.
    public static let discoItems = "http://jabber.org/protocol/disco#items"
    /// XEP-0004: data forms.
    public static let dataForms = "jabber:x:data"
    /// XEP-0077: in-band registration, used by XEP-0045 §7.10.
    public static let register = "jabber:iq:register"
    /// XEP-0203: delayed delivery.
    public static let delay = "urn:xmpp:delay"
    /// XEP-0199: ping.
    public static let ping = "urn:xmpp:ping"
    /// XEP-0359: unique and stable stanza ids.
    public static let stanzaID = "urn:xmpp:sid:0"
    /// XEP-0421: occupant identifiers.
    public static let occupantID = "urn:xmpp:occupant-id:0"
    /// XEP-0317: hats.
    public static let hats = "urn:xmpp:hats:0"
    /// XEP-0424: message retraction.
    public static let retract = "urn:xmpp:message-retract:1"
    /// XEP-0425: message moderation.
    public static let moderate = "urn:xmpp:message-moderate:1"
    /// XEP-0249: direct invitations.
    public static let conference = "jabber:x:conference"
    /// XEP-0410: MUC self-ping (advertised feature).
    public static let selfPing = "http://jabber.org/protocol/muc#self-ping-optimization"
}
