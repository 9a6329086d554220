/// Namespaces the room machine uses that `XMPPCore.NS` does not define.
enum MoreNS {
    /// XEP-0050: ad-hoc commands (hats are managed with them, XEP-0317).
    static let commands = "http://jabber.org/protocol/commands"
    /// XEP-0317: `FORM_TYPE` of the hat command forms.
    static let hatsCommands = "urn:xmpp:hats:commands"
}
