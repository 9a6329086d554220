import XMPPCore

/// Undoes what a real server adds to stanzas on their way to a client and what the scripts, written
/// against the service's own output, do not mention. Only server additions belong here; anything
/// the service itself sends is left exactly as received.
enum RealServerNormalization {
    static func normalize(_ stanza: Element) -> Element {
        stanza
    }
}
