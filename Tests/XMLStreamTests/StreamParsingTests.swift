import XMLStream
import XMPPCore
import Testing

@Suite struct StreamParsingTests {
    static let sample = """
    <?xml version='1.0' encoding='UTF-8'?>\
    <stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' \
    from='conference.example.org' id='abc&amp;1' xml:lang='en' version='1.0'>
    <handshake>0123456789abcdef</handshake>  \n\t
    <message from='juliet@example.com/balcony' to='room@conference.example.org' type='groupchat' id='m1' xml:lang='fr'>\
    <body>Héllo &amp; 😀 &lt;tag&gt; &#x263A;&#9731; "quotes" 'single'</body>\
    <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x>\
    <delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/>\
    </message>
    <presence from='a@b/c'><![CDATA[<raw> & text]]></presence>
    <stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>
    </stream:stream>
    """

    @Test func wholeAndByteByByteAgree() throws {
        let bytes = Array(Self.sample.utf8)
        let whole = try parseAll(bytes)
        #expect(whole.count == 6)
        for chunk in [1, 2, 3, 7, 64] {
            let pieces = try parseAll(bytes, chunk: chunk)
            #expect(pieces == whole, "chunk size \(chunk)")
        }
        #expect(whole.last == .streamEnd)
    }

    @Test func streamHeader() throws {
        let events = try parseAll(Array(Self.sample.utf8))
        guard case .streamStart(let header) = events.first else {
            Issue.record("no header")
            return
        }
        #expect(header.element.name == "stream")
        #expect(header.element.namespace == NS.stream)
        #expect(header.defaultNamespace == NS.component)
        #expect(header.prefixes == ["stream": NS.stream])
        #expect(header.element.children.isEmpty)
        // Attributes in document order, namespace declarations excluded, xml:lang namespaced.
        #expect(header.element.attributes == [
            Attribute(name: "from", value: "conference.example.org"),
            Attribute(name: "id", value: "abc&1"),
            Attribute(name: "lang", namespace: NS.xml, value: "en"),
            Attribute(name: "version", value: "1.0"),
        ])
        #expect(header.attribute("id") == "abc&1")
        #expect(header.element.lang == "en")
    }

    @Test func stanzaTree() throws {
        let s = stanzas(try parseAll(Array(Self.sample.utf8)))
        #expect(s.map(\.name) == ["handshake", "message", "presence", "error"])
        #expect(s[0].namespace == NS.component)
        #expect(s[0].text == "0123456789abcdef")

        let message = s[1]
        #expect(message.namespace == NS.component)
        #expect(message.attributes.map(\.name) == ["from", "to", "type", "id", "lang"])
        #expect(message.lang == "fr")
        #expect(message.childText("body", namespace: NS.component) == "Héllo & 😀 <tag> ☺☃ \"quotes\" 'single'")
        // One text node: the runs libxml2 splits at references are merged.
        #expect(message.child("body", namespace: NS.component)?.children.count == 1)
        let x = message.child("x", namespace: NS.mucUser)
        #expect(x?.child("item", namespace: NS.mucUser)?.attribute("affiliation") == "owner")
        #expect(message.child("delay", namespace: NS.delay)?.attribute("stamp") == "2024-01-01T00:00:00Z")
        #expect(message.elements.count == 3)

        // CDATA is plain text.
        #expect(s[2].text == "<raw> & text")

        #expect(s[3].namespace == NS.stream)
        #expect(s[3].child("not-well-formed", namespace: NS.streams) != nil)
    }

    @Test func keepalivesYieldNothing() throws {
        let parser = XMLStreamParser()
        #expect(try parser.feed(Array(streamOpen.utf8)).count == 1)
        for _ in 0..<1000 {
            #expect(try parser.feed(Array(" ".utf8)).isEmpty)
            #expect(try parser.feed(Array("\n".utf8)).isEmpty)
        }
        let events = try parser.feed(Array("<presence/>".utf8))
        #expect(events == [.stanza(Element("presence", namespace: NS.component))])
        #expect(try parser.feed(Array(" \n ".utf8)).isEmpty)
    }

    @Test func stanzaCompletesWithItsLastByte() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(streamOpen.utf8))
        let stanza = Array("<message to='a@b'><body>hi</body></message>".utf8)
        for b in stanza.dropLast() {
            #expect(try parser.feed([b]).isEmpty)
        }
        #expect(try parser.feed([stanza.last!]).count == 1)
    }

    @Test func multiByteUTF8SplitAcrossChunks() throws {
        // 2-, 3- and 4-byte sequences, in text, attribute values and element names.
        let doc = streamOpen + "<méssage to='ünïcödé@例え.jp' note='𝄞€'><body>aé中😀z</body></méssage>" + streamClose
        let bytes = Array(doc.utf8)
        let whole = try parseAll(bytes)
        for chunk in 1...5 {
            #expect(try parseAll(bytes, chunk: chunk) == whole)
        }
        let m = stanzas(whole)[0]
        #expect(m.name == "méssage")
        #expect(m.attribute("to") == "ünïcödé@例え.jp")
        #expect(m.attribute("note") == "𝄞€")
        #expect(m.childText("body", namespace: NS.component) == "aé中😀z")
    }

    @Test func predefinedEntitiesAndCharacterReferences() throws {
        let doc = streamOpen + """
        <message a='&lt;&gt;&amp;&quot;&apos;' b='&#38;&#x26;amp;' c='x&#10;y&#x9;z&#13;' d='a
        b'><body>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x1F600;&#13;</body></message>
        """ + streamClose
        let m = stanzas(try parseAll(Array(doc.utf8)))[0]
        #expect(m.attribute("a") == "<>&\"'")
        #expect(m.attribute("b") == "&&amp;")
        #expect(m.attribute("c") == "x\ny\tz\r")
        // A literal newline in an attribute value is normalised to a space (XML 1.0 §3.3.3).
        #expect(m.attribute("d") == "a b")
        #expect(m.childText("body", namespace: NS.component) == "<>&\"'AB😀\r")
    }

    @Test func namespacesResolved() throws {
        let doc = streamOpen + """
        <iq type='get' id='1'><query xmlns='http://jabber.org/protocol/disco#info'/>\
        <p:q xmlns:p='urn:p' p:attr='1' other='2'><inner/><p:inner/><x xmlns=''/></p:q></iq>
        """ + streamClose
        let iq = stanzas(try parseAll(Array(doc.utf8)))[0]
        #expect(iq.namespace == NS.component)
        #expect(iq.elements[0].namespace == NS.discoInfo)
        let q = iq.elements[1]
        #expect(q.name == "q" && q.namespace == "urn:p")
        #expect(q.attributes == [Attribute(name: "attr", namespace: "urn:p", value: "1"), Attribute(name: "other", value: "2")])
        // Unprefixed children stay in the inherited default namespace.
        #expect(q.elements.map(\.namespace) == [NS.component, "urn:p", ""])
    }

    @Test func mixedContentKeepsOrder() throws {
        let doc = streamOpen + "<message><body>a<b>x</b>c&amp;d<i/>e</body></message>" + streamClose
        for chunk in [1, 1000] {
            let body = stanzas(try parseAll(Array(doc.utf8), chunk: chunk))[0].elements[0]
            #expect(body.children == [
                .text("a"), .element(.text("b", namespace: NS.component, "x")), .text("c&d"),
                .element(Element("i", namespace: NS.component)), .text("e"),
            ])
        }
    }

    @Test func streamWithoutDeclarationAndWithBOM() throws {
        let plain = try parseAll(Array(("  \n" + streamOpen.dropFirst(21) + "<a/>" + streamClose).utf8))
        #expect(plain.count == 3)
        let bom = try parseAll([0xEF, 0xBB, 0xBF] + Array((streamOpen + "<a/>" + streamClose).utf8), chunk: 1)
        #expect(bom.count == 3)
        #expect(stanzas(bom) == [Element("a", namespace: NS.component)])
    }

    @Test func nonASCIIRootName() throws {
        let doc = "<élan xmlns='urn:x'><ü/></élan>"
        let events = try parseAll(Array(doc.utf8), chunk: 1)
        #expect(events.count == 3)
        #expect(stanzas(events) == [Element("ü", namespace: "urn:x")])
    }

    @Test func streamEndEvent() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(streamOpen.utf8))
        #expect(try parser.feed(Array("<a/></stream:stream>".utf8)) == [.stanza(Element("a", namespace: NS.component)), .streamEnd])
        #expect(try parser.feed(Array("\n".utf8)).isEmpty)
    }

    @Test func resetStartsANewStream() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(Array((streamOpen + "<a/>").utf8))
        parser.reset()
        let events = try parser.feed(Array((streamOpen + "<b/>").utf8))
        #expect(events.count == 2)
        #expect(stanzas(events) == [Element("b", namespace: NS.component)])
        // Reset also revives a dead parser.
        #expect(throws: XMLStreamError.self) { try parser.feed(Array("<!-- x -->".utf8)) }
        parser.reset()
        #expect(try parser.feed(Array(streamOpen.utf8)).count == 1)
    }

    @Test func contextRecyclingIsInvisible() throws {
        var doc = streamOpen
        var expected: [Element] = []
        for i in 0..<3000 {
            // Distinct element, attribute and namespace names grow libxml2's dictionary.
            let payload = Element("p\(i)", namespace: "urn:n\(i % 97)", attributes: [Attribute(name: "a\(i)", value: "v&\(i)")])
            var m = Element("message", namespace: NS.component, attributes: [Attribute(name: "id", value: "\(i)")])
            m.append(payload)
            m.append(.text("body", namespace: NS.component, "text \(i) ü"))
            expected.append(m)
            doc += String(decoding: Serializer.bytes(m), as: UTF8.self)
            if i % 10 == 0 { doc += "\n" }
            // Stanzas that use the prefix declared on the root must keep working after a recycle.
            if i % 500 == 0 {
                doc += "<stream:features><x/></stream:features>"
                expected.append(Element("features", namespace: NS.stream, children: [.element(Element("x", namespace: NS.component))]))
            }
        }
        doc += streamClose
        let bytes = Array(doc.utf8)
        for chunk in [1, 7, 4096, 100_000] {
            let parser = XMLStreamParser()
            parser.recycling.afterNames = 64
            let events = try feedAll(parser, bytes, chunk: chunk)
            #expect(parser.recycleCount > 10, "chunk \(chunk)")
            #expect(stanzas(events) == expected, "chunk \(chunk)")
            #expect(events.first.map { if case .streamStart = $0 { true } else { false } } == true)
            #expect(events.filter { if case .streamStart = $0 { true } else { false } }.count == 1)
            #expect(events.last == .streamEnd)
        }
    }

    @Test func recyclingByStanzaCount() throws {
        let parser = XMLStreamParser()
        parser.recycling.afterStanzas = 10
        let doc = streamOpen + String(repeating: "<presence/>", count: 105) + streamClose
        let events = try feedAll(parser, Array(doc.utf8), chunk: 13)
        #expect(stanzas(events).count == 105)
        #expect(parser.recycleCount == 10)
        #expect(events.last == .streamEnd)
    }

    @Test func largeStanzaRecyclesTheContext() throws {
        let big = "<message><body>" + String(repeating: "0123456789", count: 20_000) + "</body></message>"
        let doc = streamOpen + "<a/>" + big + "<b x='1'/>" + big + "<stream:c/>" + streamClose
        for chunk in [1000, 100_000, 1_000_000] {
            let parser = XMLStreamParser()
            let events = try feedAll(parser, Array(doc.utf8), chunk: chunk)
            #expect(parser.recycleCount == 2)
            #expect(stanzas(events).map(\.name) == ["a", "message", "b", "message", "c"])
            #expect(stanzas(events)[1].elements[0].text.utf8.count == 200_000)
            #expect(events.last == .streamEnd)
        }
    }

    @Test func mutatedStreamsNeverCrash() {
        // Deterministic pseudo-random mutations of a valid stream, fed whole and in small pieces.
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        let original = Array(Self.sample.utf8)
        let alphabet = Array("<>/&;:'\"=!?#x[]- \n".utf8) + [0x00, 0x80, 0xC3, 0xFF]
        for _ in 0..<2000 {
            var bytes = original
            for _ in 0..<(1 + next() % 4) {
                let at = next() % bytes.count
                switch next() % 3 {
                case 0: bytes[at] = alphabet[next() % alphabet.count]
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet[next() % alphabet.count], at: at)
                }
            }
            let whole = Result { () throws(XMLStreamError) in try parseAll(bytes) }
            let pieces = Result { () throws(XMLStreamError) in try parseAll(bytes, chunk: 1 + next() % 5) }
            switch (whole, pieces) {
            case (.success(let a), .success(let b)): #expect(a == b)
            case (.failure(let a), .failure(let b)): #expect(a.streamErrorCondition == b.streamErrorCondition, "\(a) / \(b)")
            default: Issue.record("chunking changed the verdict: \(whole) / \(pieces)")
            }
        }
    }

    @Test func parseFragmentWithScansionPrefix() throws {
        let xml = """
        <presence to='room@conference.localhost/nick'>
          <x xmlns='http://jabber.org/protocol/muc#user' scansion:strict='true'>
            <item affiliation='owner' jid='{scansion:any}'/>
          </x>
        </presence>
        <message type='groupchat'><body>hi &amp; bye</body></message>
        """
        let elements = try XMLStreamParser.parseFragment(xml, defaultNamespace: NS.client,
                                                         prefixes: ["scansion": "https://matthewwild.co.uk/projects/scansion"])
        #expect(elements.map(\.name) == ["presence", "message"])
        #expect(elements.allSatisfy { $0.namespace == NS.client })
        let x = elements[0].child("x", namespace: NS.mucUser)
        #expect(x?.attribute("strict", namespace: "https://matthewwild.co.uk/projects/scansion") == "true")
        #expect(x?.child("item", namespace: NS.mucUser)?.attribute("jid") == "{scansion:any}")
        #expect(elements[1].childText("body", namespace: NS.client) == "hi & bye")
    }

    @Test func parseFragmentErrors() {
        #expect(throws: XMLStreamError(.unboundPrefix("scansion"))) {
            try XMLStreamParser.parseFragment("<a scansion:strict='true'/>", defaultNamespace: NS.client)
        }
        #expect(throws: XMLStreamError.self) { try XMLStreamParser.parseFragment("<a>", defaultNamespace: NS.client) }
        #expect(throws: XMLStreamError.self) { try XMLStreamParser.parseFragment("<a/></fragment><b/>", defaultNamespace: NS.client) }
        #expect((try? XMLStreamParser.parseFragment("", defaultNamespace: NS.client)) == [])
    }
}
