import ScansionCore
import XMPPCore

/// The matching rules of the scansion scripts (shared/scansion/README.md), as the runner applies
/// them (`StanzaMatcher`). The room machine speaks `jabber:component:accept`; both sides are read as
/// `jabber:client` stanzas, as a client receives them.
enum Match {
    static func matches(expected: Element, received: Element) -> Bool {
        var captures = Captures()
        return StanzaMatcher.match(expected: expected.movingNamespace(NS.component, to: NS.client),
                                   received: received.movingNamespace(NS.component, to: NS.client),
                                   captures: &captures) == nil
    }
}
