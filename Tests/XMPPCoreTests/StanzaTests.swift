import XMPPCore
import Testing

@Suite struct StanzaTests {
    @Test func headers() throws {
        let s = try Stanza(Element.stanza(.message, from: "Juliet@Example.com/Balcony", to: "room@muc", id: "m1", type: "groupchat"))
        #expect(s.kind == .message)
        #expect(s.from?.description == "juliet@example.com/Balcony")
        #expect(s.to?.description == "room@muc")
        #expect(s.id == "m1")
        #expect(s.messageType == .groupchat)
    }

    @Test func types() throws {
        #expect(try Stanza(Element.stanza(.message, from: nil, to: nil)).messageType == .normal)
        #expect(try Stanza(Element.stanza(.message, from: nil, to: nil, type: "weird")).messageType == nil)
        #expect(try Stanza(Element.stanza(.presence, from: nil, to: nil)).presenceType == nil)
        #expect(try Stanza(Element.stanza(.presence, from: nil, to: nil, type: "unavailable")).presenceType == .unavailable)
        #expect(try Stanza(Element.stanza(.iq, from: nil, to: nil, type: "set")).iqType == .set)
        #expect(try Stanza(Element.stanza(.iq, from: nil, to: nil)).iqType == nil)
    }

    @Test func refusals() {
        #expect(throws: StanzaParseError.notAStanza(name: "handshake")) { try Stanza(Element("handshake", namespace: NS.component)) }
        #expect(throws: StanzaParseError.badAddress(attribute: "to", .emptyLocalpart)) {
            try Stanza(Element.stanza(.message, from: "a@b", to: "@b"))
        }
        #expect(throws: StanzaParseError.badAddress(attribute: "from", .emptyResourcepart)) {
            try Stanza(Element.stanza(.presence, from: "a@b/", to: "c@d"))
        }
    }

    @Test func payload() throws {
        var iq = Element.stanza(.iq, from: "a@b/c", to: "muc", id: "1", type: "get")
        iq.append(text: " ")
        iq.append(Element("query", namespace: NS.discoInfo))
        #expect(try Stanza(iq).payload == Element("query", namespace: NS.discoInfo))
    }
}
