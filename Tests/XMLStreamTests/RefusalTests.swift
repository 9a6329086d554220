import XMLStream
import XMPPCore
import Testing

@Suite struct RefusalTests {
    static let billionLaughs = """
    <?xml version="1.0"?>
    <!DOCTYPE lolz [
     <!ENTITY lol "lol">
     <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
     <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
     <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
     <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
     <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
     <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
     <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
     <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
    ]>
    <stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>
    <message><body>&lol9;</body></message>
    """

    @Test func billionLaughsRefused() {
        let error = refusal(Self.billionLaughs)
        #expect(error == XMLStreamError(.doctype))
        #expect(error?.streamErrorCondition == .restrictedXML)
    }

    @Test func doctypeRefused() {
        #expect(refusal("<!DOCTYPE stream>" + streamOpen)?.kind == .doctype)
        #expect(refusal("<?xml version='1.0'?><!DOCTYPE x SYSTEM 'http://example.org/x.dtd'><x/>")?.kind == .doctype)
        // After the header, a DOCTYPE is not even well-formed.
        #expect(refusal(streamOpen + "<!DOCTYPE x>")?.streamErrorCondition == .notWellFormed)
    }

    @Test func externalEntityRefused() {
        let xxe = """
        <?xml version='1.0'?><!DOCTYPE stream [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\
        <stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>\
        <message><body>&xxe;</body></message>
        """
        #expect(refusal(xxe)?.kind == .doctype)
    }

    @Test func entityReferencesRefused() {
        let e = refusal(streamOpen + "<message><body>&nbsp;</body></message>")
        #expect(e?.kind == .entityReference("nbsp"))
        #expect(e?.streamErrorCondition == .restrictedXML)
        #expect(refusal(streamOpen + "<message a='&foo;'/>")?.kind == .entityReference("foo"))
        #expect(refusal(streamOpen + "<message>&lol9;</message>")?.kind == .entityReference("lol9"))
    }

    @Test func commentsAndProcessingInstructionsRefused() {
        for doc in [
            streamOpen + "<!-- hello -->",
            streamOpen + "<message><!-- hello --></message>",
            "<!-- before -->" + streamOpen,
            streamOpen + "<?php echo 1; ?>",
            streamOpen + "<message><?target data?></message>",
            "<?xml-stylesheet href='a'?>" + streamOpen,
        ] {
            let e = refusal(doc)
            #expect(e?.kind == .commentOrProcessingInstruction, "\(doc)")
            #expect(e?.streamErrorCondition == .restrictedXML)
        }
    }

    @Test func hugeStanzaRefusedEarly() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(streamOpen.utf8))
        _ = try parser.feed(Array("<message><body>".utf8))
        // 10 MiB of body text, fed in 64 KiB pieces: refused long before the end arrives.
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 64 * 1024)
        var accepted = 0
        var refused: XMLStreamError? = nil
        while accepted < 10 * 1024 * 1024 {
            do {
                _ = try parser.feed(piece)
                accepted += piece.count
            } catch {
                refused = error
                break
            }
        }
        #expect(refused?.kind == .stanzaTooLarge(limit: 512 * 1024))
        #expect(refused?.streamErrorCondition == .policyViolation)
        #expect(accepted <= 512 * 1024)
    }

    @Test func hugeStanzaInOneFeedRefused() {
        var doc = Array((streamOpen + "<message><body>").utf8)
        doc += [UInt8](repeating: UInt8(ascii: "b"), count: 10 * 1024 * 1024)
        doc += Array("</body></message>".utf8)
        #expect(throws: XMLStreamError(.stanzaTooLarge(limit: 512 * 1024))) { try parseAll(doc) }
    }

    @Test func hugeAttributeRefused() {
        var doc = Array((streamOpen + "<message to='").utf8)
        doc += [UInt8](repeating: UInt8(ascii: "c"), count: 2 * 1024 * 1024)
        #expect(throws: XMLStreamError(.stanzaTooLarge(limit: 512 * 1024))) { try parseAll(doc) }
    }

    @Test func stanzaSizeLimitIsPerStanza() throws {
        let limits = XMLStreamLimits(maxStanzaBytes: 160)
        let small = "<message><body>" + String(repeating: "x", count: 60) + "</body></message>"
        // Many stanzas under the limit, however many arrive in one feed, are fine…
        let events = try parseAll(Array((streamOpen + String(repeating: small + " \n", count: 50)).utf8), limits: limits)
        #expect(stanzas(events).count == 50)
        // …one over the limit is not, even when it completes within one feed.
        let big = "<message><body>" + String(repeating: "x", count: 200) + "</body></message>"
        #expect(refusal(streamOpen + small + big + small, limits: limits)?.kind == .stanzaTooLarge(limit: 160))
        // The stream header is bounded too.
        let header = "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='"
            + String(repeating: "i", count: 200) + "'>"
        #expect(refusal(header, limits: limits)?.kind == .stanzaTooLarge(limit: 160))
    }

    @Test func invalidUTF8Refused() {
        for bad: [UInt8] in [[0xC3, 0x28], [0xFF], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF8, 0x88, 0x80, 0x80, 0x80]] {
            let inText = Array((streamOpen + "<message><body>a").utf8) + bad + Array("b</body></message>".utf8)
            let e = refusal(inText)
            #expect(e?.kind == .invalidUTF8, "\(bad) in text: \(String(describing: e))")
            #expect(e?.streamErrorCondition == .notWellFormed)
            let inAttribute = Array((streamOpen + "<message to='a").utf8) + bad + Array("b'/>".utf8)
            #expect(refusal(inAttribute)?.kind == .invalidUTF8, "\(bad) in attribute")
        }
    }

    @Test func unboundPrefixRefused() {
        let e = refusal(streamOpen + "<foo:message/>")
        #expect(e?.kind == .unboundPrefix("foo"))
        #expect(e?.streamErrorCondition == .notWellFormed)
        #expect(refusal(streamOpen + "<message bar:x='1'/>")?.kind == .unboundPrefix("bar"))
        #expect(refusal(streamOpen + "<message><x><y:z/></x></message>")?.kind == .unboundPrefix("y"))
        #expect(refusal("<stream:stream xmlns='jabber:component:accept'>")?.kind == .unboundPrefix("stream"))
    }

    @Test func otherEncodingsRefused() {
        let utf16 = Array(streamOpen.utf16)
        let be: [UInt8] = [0xFE, 0xFF] + utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let le: [UInt8] = [0xFF, 0xFE] + utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let leNoBOM: [UInt8] = utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        for doc in [be, le, leNoBOM] {
            let e = refusal(doc)
            #expect(e?.kind == .unsupportedEncoding)
            #expect(e?.streamErrorCondition == .unsupportedEncoding)
        }
        #expect(refusal("<?xml version='1.0' encoding='ISO-8859-1'?>" + streamOpen.dropFirst(21))?.kind == .unsupportedEncoding)
        #expect(refusal("<?xml version='1.0' encoding=\"UTF-16\"?>" + streamOpen.dropFirst(21))?.kind == .unsupportedEncoding)
        #expect(refusal("<?xml version='1.0' encoding='utf-8'?>" + streamOpen.dropFirst(21)) == nil)
    }

    @Test func firstByteMustBeAnglebracket() {
        #expect(refusal("hello" + streamOpen)?.kind == .malformed("the stream does not start with '<'"))
        #expect(refusal("GET / HTTP/1.1\r\n")?.streamErrorCondition == .notWellFormed)
        #expect(refusal([0xEF, 0xBB, 0x00])?.kind == .invalidUTF8)
    }

    @Test func deepNestingRefused() {
        let limits = XMLStreamLimits(maxDepth: 100)
        let ok = streamOpen + String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(refusal(ok, limits: limits) == nil)
        let tooDeep = streamOpen + String(repeating: "<a>", count: 101)
        let e = refusal(tooDeep, limits: limits)
        #expect(e?.kind == .tooDeep(limit: 100))
        #expect(e?.streamErrorCondition == .policyViolation)
        // A hostile depth fails fast, without building anything.
        #expect(refusal(streamOpen + String(repeating: "<a>", count: 100_000))?.kind == .tooDeep(limit: 100))
    }

    @Test func malformedXMLRefused() {
        for doc in [
            streamOpen + "<message></presence>",
            streamOpen + "<message a='1' a='2'/>",
            streamOpen + "<message a=1/>",
            streamOpen + "<1message/>",
            streamOpen + "<message>\u{01}</message>",
            streamOpen + "<?xml version='1.0'?>",
            streamOpen + "</stream:stream><again/>",
            streamOpen + "<message>&#0;</message>",
            "<?xml version='1.0'?>\n<?xml version='1.0'?>",
        ] {
            let e = refusal(doc)
            guard case .malformed(let why)? = e?.kind else {
                Issue.record("\(doc): \(String(describing: e))")
                continue
            }
            #expect(!why.isEmpty)
            #expect(e?.streamErrorCondition == .notWellFormed)
        }
    }

    @Test func errorsAreFinal() throws {
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(streamOpen.utf8))
        #expect(throws: XMLStreamError(.commentOrProcessingInstruction)) { try parser.feed(Array("<!-- no -->".utf8)) }
        #expect(throws: XMLStreamError(.commentOrProcessingInstruction)) { try parser.feed(Array("<presence/>".utf8)) }
        #expect(throws: XMLStreamError(.commentOrProcessingInstruction)) { try parser.feed([]) }
    }

    @Test func descriptionsAreClear() {
        #expect(XMLStreamError(.stanzaTooLarge(limit: 10)).description == "policy-violation: stanza larger than 10 bytes")
        #expect(XMLStreamError(.unboundPrefix("p")).description == "not-well-formed: namespace prefix 'p' is not bound")
    }
}
