/// Namespaces the room machine uses that `XMPPCore.NS` does not define.
enum MoreNS {
    /// XEP-0050: ad-hoc commands (hats are managed with them, XEP-0317).
    static let commands = "http://jabber.org/protocol/commands"
    /// XEP-0249: direct invitations (added to mediated ones for clients that only know these).
    static let directInvitation = "jabber:x:conference"
    /// XEP-0317: `FORM_TYPE` of the hat command forms.
    static let hatsCommands = "urn:xmpp:hats:commands"
    /// XEP-0313: message archive management.
    static let mam = "urn:xmpp:mam:2"
    /// XEP-0297: stanza forwarding (archive results).
    static let forward = "urn:xmpp:forward:0"
    /// XEP-0334: message processing hints (`store`, `no-store`, `no-permanent-store`).
    static let hints = "urn:xmpp:hints"
    /// XEP-0444: message reactions.
    static let reactions = "urn:xmpp:reactions:0"
}
