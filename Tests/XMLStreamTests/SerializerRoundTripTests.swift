import XMLStream
import XMPPCore
import Testing

/// The serializer's output read back by the stream parser gives the same tree. (These live here
/// rather than in XMPPCoreTests because that target cannot see the parser.)
@Suite struct SerializerRoundTripTests {
    static let tricky = [
        "& < > \" '", "&amp; &lt; literally", "]]>", "line 1\nline 2", "tab\there", "cr\rhere", "crlf\r\nhere",
        "  leading and trailing  ", "\n", "naïve café ñ 中文 עברית", "emoji 😀👍🏽🇫🇷 and ZWJ 👨‍👩‍👧", "'\"'\"", "&#38;", "x=\"1\" y='2'",
    ]

    /// Serializes `element` as a stanza of a component stream, parses it back.
    func roundTrip(_ element: Element, streamNamespace: String = NS.component) throws -> Element? {
        var bytes = Array("<stream:stream xmlns='\(streamNamespace)' xmlns:stream='\(NS.stream)'>".utf8)
        Serializer.write(element, into: &bytes, parentNamespace: streamNamespace)
        let events = try XMLStreamParser().feed(bytes)
        guard events.count == 2, case .stanza(let parsed) = events[1] else { return nil }
        return parsed
    }

    @Test(arguments: tricky)
    func textAndAttributeValues(_ value: String) throws {
        let e = Element("message", namespace: NS.component,
                        attributes: [Attribute(name: "id", value: value), Attribute(name: "lang", namespace: NS.xml, value: value)],
                        children: [.element(.text("body", namespace: NS.component, value))])
        #expect(try roundTrip(e) == e)
        #expect(try roundTrip(e, streamNamespace: NS.client) == e)
    }

    @Test func nestedNamespaces() throws {
        var item = Element("item", namespace: NS.mucUser, attrs: ["affiliation": "owner", "jid": "a@b/c", "nick": "<&>"])
        item.append(.text("reason", namespace: NS.mucUser, "because & why"))
        var x = Element("x", namespace: NS.mucUser)
        x.append(item)
        x.append(Element("status", namespace: NS.mucUser, attrs: ["code": "110"]))
        var p = Element.stanza(.presence, from: "room@muc/nick", to: "a@b/c", id: "p1")
        p.append(x)
        p.append(Element("c", namespace: "http://jabber.org/protocol/caps", attrs: ["hash": "sha-1", "ver": "abc="]))
        var foreign = Element("data", namespace: "urn:example", attributes: [Attribute(name: "strict", namespace: "urn:s", value: "1")])
        foreign.append(Element("back", namespace: NS.component))
        foreign.append(Element("unqualified", namespace: ""))
        foreign.append(text: "tail")
        p.append(foreign)
        #expect(try roundTrip(p) == p)
    }

    @Test func stanzaErrorThroughBytes() throws {
        for c in StanzaError.Condition.allCases {
            let error = StanzaError(c, text: "why & <how>", by: "muc.example", uri: c == .gone ? "xmpp:x@y?join" : nil)
            let iq = Element.stanza(.iq, from: "a@b/c", to: "muc.example", id: "i", type: "get").errorReply(error)
            let parsed = try #require(try roundTrip(iq))
            #expect((try Stanza(parsed)).error == error)
        }
    }

    @Test func dataFormThroughBytes() throws {
        let form = DataForm(type: .submit, formType: NS.mucRoomConfig, fields: [
            .boolean("muc#roomconfig_publicroom", false),
            DataForm.Field("muc#roomconfig_roomname", values: ["Name with 'quotes' & ünïcode 😀"]),
            DataForm.Field("muc#roomconfig_roomdesc", type: .textMulti, values: ["a\nb", "c\r\nd"]),
            DataForm.Field("muc#roomconfig_whois", type: .listSingle, values: ["anyone"],
                           options: [.init("anyone", label: "Anyone & everyone")]),
        ])
        var iq = Element.stanza(.iq, from: "a@b/c", to: "room@muc", id: "cfg", type: "set")
        var query = Element("query", namespace: NS.mucOwner)
        query.append(form.element)
        iq.append(query)
        let parsed = try #require(try roundTrip(iq))
        let x = parsed.child("query", namespace: NS.mucOwner)?.child("x", namespace: NS.dataForms)
        #expect(x.flatMap(DataForm.init(element:)) == form)
    }

    @Test func parseFragmentOfSerializedOutput() throws {
        let m = Element.stanza(.message, from: "a@b", to: "c@d", type: "chat", children: [.text("body", namespace: NS.component, "€ & 😀")])
        let text = Serializer.string(m) + "\n" + Serializer.string(m)
        #expect(try XMLStreamParser.parseFragment(text, defaultNamespace: NS.component) == [m, m])
    }
}
