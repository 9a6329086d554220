import XMPPCore
import Testing

@Suite struct SerializerTests {
    @Test func componentStanzasAreUnqualified() {
        let m = Element.stanza(.message, from: "room@muc/nick", to: "a@b/c", id: "1", type: "groupchat",
                               children: [.text("body", namespace: NS.component, "hi")])
        #expect(Serializer.string(m) == "<message from='room@muc/nick' to='a@b/c' id='1' type='groupchat'><body>hi</body></message>")
        // In another stream namespace the declaration is written.
        #expect(Serializer.string(Element("presence", namespace: NS.component), parentNamespace: NS.client)
                == "<presence xmlns='jabber:component:accept'/>")
        #expect(Serializer.string(Element("presence", namespace: NS.client), parentNamespace: NS.client) == "<presence/>")
    }

    @Test func namespaceDeclaredOnlyWhereItChanges() {
        var item = Element("item", namespace: NS.mucUser, attrs: ["affiliation": "owner", "role": "moderator"])
        item.append(Element("reason", namespace: NS.mucUser))
        var x = Element("x", namespace: NS.mucUser)
        x.append(item)
        x.append(Element("status", namespace: NS.mucUser, attrs: ["code": "110"]))
        // Back to the stanza namespace inside a foreign element: declared again.
        x.append(Element("body", namespace: NS.component))
        x.append(Element("none", namespace: ""))
        var p = Element.stanza(.presence, from: "room@muc/n", to: "a@b/c")
        p.append(x)
        #expect(Serializer.string(p) == "<presence from='room@muc/n' to='a@b/c'>"
            + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'><reason/></item>"
            + "<status code='110'/><body xmlns='jabber:component:accept'/><none xmlns=''/></x></presence>")
    }

    @Test func escaping() {
        let e = Element("a", namespace: NS.component, attributes: [Attribute(name: "v", value: "& < > \" ' \n \t \r é😀")],
                        children: [.text("& < > \" ' \n \t \r é😀")])
        #expect(Serializer.string(e) == "<a v='&amp; &lt; &gt; &quot; &apos; &#xA; &#x9; &#xD; é😀'>&amp; &lt; &gt; \" ' \n \t &#xD; é😀</a>")
    }

    @Test func characterDataXMLCannotCarryIsDropped() {
        // C0 controls other than tab, newline and carriage return cannot appear in XML 1.0, not
        // even as references: writing them would break the stream, so they are left out.
        let e = Element("a", namespace: NS.component, attributes: [Attribute(name: "v", value: "x\u{0}y\u{1B}z")],
                        children: [.text("1\u{7}2\u{8}3\u{B}4\u{C}5\u{1F}6")])
        #expect(Serializer.string(e) == "<a v='xyz'>123456</a>")
    }

    @Test func namespacedAttributes() {
        let e = Element("a", namespace: NS.component, attributes: [
            Attribute(name: "lang", namespace: NS.xml, value: "en"),
            Attribute(name: "strict", namespace: "urn:s", value: "true"),
            Attribute(name: "plain", value: "1"),
        ])
        #expect(Serializer.string(e) == "<a xml:lang='en' xmlns:a0='urn:s' a0:strict='true' plain='1'/>")
    }

    @Test func writeAppends() {
        var buffer = Array("<x>".utf8)
        Serializer.write(Element("y", namespace: NS.component), into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "<x><y/>")
        #expect(Serializer.bytes(Element("y", namespace: NS.component)) == Array("<y/>".utf8))
    }
}
