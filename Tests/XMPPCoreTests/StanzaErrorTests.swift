import XMPPCore
import Testing

@Suite struct StanzaErrorTests {
    /// RFC 6120 §8.3.3, the type each condition is usually sent with.
    static let rfcTypes: [String: StanzaError.ErrorType] = [
        "bad-request": .modify, "conflict": .cancel, "feature-not-implemented": .cancel, "forbidden": .auth,
        "gone": .cancel, "internal-server-error": .cancel, "item-not-found": .cancel, "jid-malformed": .modify,
        "not-acceptable": .modify, "not-allowed": .cancel, "not-authorized": .auth, "policy-violation": .modify,
        "recipient-unavailable": .wait, "redirect": .modify, "registration-required": .auth,
        "remote-server-not-found": .cancel, "remote-server-timeout": .wait, "resource-constraint": .wait,
        "service-unavailable": .cancel, "subscription-required": .auth, "undefined-condition": .modify,
        "unexpected-request": .wait,
    ]

    @Test func everyConditionHasItsDefaultType() {
        #expect(StanzaError.Condition.allCases.count == 22)
        for c in StanzaError.Condition.allCases {
            #expect(c.defaultType == Self.rfcTypes[c.rawValue], "\(c.rawValue)")
            #expect(StanzaError(c).type == c.defaultType)
        }
        #expect(Set(Self.rfcTypes.keys) == Set(StanzaError.Condition.allCases.map(\.rawValue)))
    }

    @Test(arguments: StanzaError.Condition.allCases)
    func roundTripsThroughElement(_ c: StanzaError.Condition) {
        let plain = StanzaError(c)
        #expect(StanzaError(element: plain.element()) == plain)
        let rich = StanzaError(c, type: .wait, text: "Some <text> & more", by: "room@muc.example",
                               uri: (c == .gone || c == .redirect) ? "xmpp:other@muc.example" : nil,
                               extra: [Element("app-condition", namespace: "urn:example:app")])
        #expect(StanzaError(element: rich.element(stanzaNamespace: NS.client)) == rich)
    }

    @Test func elementShape() {
        let e = StanzaError(.itemNotFound, text: "no such room", by: "muc.example").element()
        #expect(e.name == "error" && e.namespace == NS.component)
        #expect(e.attribute("type") == "cancel")
        #expect(e.attribute("by") == "muc.example")
        #expect(e.elements.map(\.name) == ["item-not-found", "text"])
        #expect(e.elements.allSatisfy { $0.namespace == NS.stanzas })
        #expect(e.childText("text", namespace: NS.stanzas) == "no such room")
        #expect(e.child("item-not-found", namespace: NS.stanzas)?.children.isEmpty == true)
        #expect(Serializer.string(StanzaError(.conflict).element())
                == "<error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>")
    }

    @Test func readingErrorsFromPeers() {
        // Unknown type: the condition's default; missing condition or wrong element: nil.
        var e = Element("error", namespace: NS.client, attrs: ["type": "bogus"])
        e.append(Element("forbidden", namespace: NS.stanzas))
        #expect(StanzaError(element: e)?.type == .auth)
        #expect(StanzaError(element: Element("error", namespace: NS.client, attrs: ["type": "cancel"])) == nil)
        var unknown = Element("error", namespace: NS.client, attrs: ["type": "cancel"])
        unknown.append(Element("no-such-condition", namespace: NS.stanzas))
        #expect(StanzaError(element: unknown) == nil)
        var notError = Element("failure", namespace: NS.client)
        notError.append(Element("forbidden", namespace: NS.stanzas))
        #expect(StanzaError(element: notError) == nil)
        // The first defined condition wins; later ones are ignored, foreign elements kept as extra.
        var two = Element("error", namespace: NS.client, attrs: ["type": "modify"])
        two.append(Element("x", namespace: "urn:app"))
        two.append(Element("bad-request", namespace: NS.stanzas))
        two.append(Element("conflict", namespace: NS.stanzas))
        let parsed = StanzaError(element: two)
        #expect(parsed?.condition == .badRequest)
        #expect(parsed?.extra == [Element("x", namespace: "urn:app")])
    }

    @Test func errorReplySwapsAddressesAndKeepsID() {
        var iq = Element.stanza(.iq, from: "juliet@example.com/balcony", to: "room@muc.example", id: "q1", type: "get")
        iq.append(Element("query", namespace: NS.discoInfo))
        let reply = iq.errorReply(StanzaError(.forbidden, text: "nope"))
        #expect(reply.name == "iq" && reply.namespace == NS.component)
        #expect(reply.attribute("from") == "room@muc.example")
        #expect(reply.attribute("to") == "juliet@example.com/balcony")
        #expect(reply.attribute("id") == "q1")
        #expect(reply.attribute("type") == "error")
        #expect(reply.elements.count == 1)
        let error = reply.child("error", namespace: NS.component).flatMap(StanzaError.init(element:))
        #expect(error == StanzaError(.forbidden, text: "nope"))
        #expect((try? Stanza(reply))?.error == StanzaError(.forbidden, text: "nope"))

        // Without id or from the reply has none either; the namespace of the stanza is kept.
        let message = Element("message", namespace: NS.client, attrs: ["to": "room@muc"])
        let r2 = message.errorReply(StanzaError(.notAcceptable))
        #expect(r2.namespace == NS.client)
        #expect(r2.attribute("id") == nil && r2.attribute("to") == nil && r2.attribute("from") == "room@muc")
        #expect(r2.child("error", namespace: NS.client)?.attribute("type") == "modify")
    }

    @Test func iqResult() {
        let iq = Element.stanza(.iq, from: "a@b/c", to: "muc.example", id: "7", type: "get")
        let r = iq.iqResult(Element("query", namespace: NS.discoItems))
        #expect(r.attribute("type") == "result" && r.attribute("id") == "7")
        #expect(r.attribute("to") == "a@b/c" && r.attribute("from") == "muc.example")
        #expect(r.elements == [Element("query", namespace: NS.discoItems)])
        #expect(iq.iqResult().children.isEmpty)
    }

    @Test func description() {
        #expect(StanzaError(.itemNotFound).description == "cancel/item-not-found")
        #expect(StanzaError(.conflict, text: "nick taken").description == "cancel/conflict: nick taken")
    }
}
