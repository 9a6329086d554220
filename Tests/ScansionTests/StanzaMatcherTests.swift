import ScansionCore
import Scansion
import Testing
import XMPPCore

@Suite struct StanzaMatcherTests {
    /// Matches two XML texts with fresh captures; nil means they match.
    func mismatch(_ expected: String, _ received: String) throws -> MatchFailure? {
        var captures = Captures()
        return StanzaMatcher.match(expected: try stanza(expected), received: try stanza(received), captures: &captures)
    }

    // MARK: Name and namespace

    @Test func nameAndNamespaceAreAlwaysCompared() throws {
        #expect(try mismatch("<message/>", "<presence/>") != nil)
        #expect(try mismatch("<x xmlns='urn:a'/>", "<x xmlns='urn:b'/>") != nil)
        #expect(try mismatch("<message/>", "<message/>") == nil)
    }

    // MARK: Loose (jabber:client)

    @Test func looseIgnoresExtraAttributesButNeedsExpectedOnes() throws {
        #expect(try mismatch("<presence from='a@b/c'/>", "<presence from='a@b/c' to='d@e/f' id='1' xml:lang='en'/>") == nil)
        let missing = try #require(try mismatch("<presence type='unavailable'/>", "<presence from='a@b/c'/>"))
        #expect(missing.reason.contains("'type' is missing"))
        let wrong = try #require(try mismatch("<presence from='a@b/c'/>", "<presence from='a@b/d'/>"))
        #expect(wrong.reason.contains("'from' is 'a@b/d', expected 'a@b/c'"))
    }

    @Test func looseChildrenMatchInAnyOrderAndExtrasAreIgnored() throws {
        #expect(try mismatch("<message><body>hi</body><subject>s</subject></message>",
                             "<message><subject>s</subject><thread>t</thread><body>hi</body></message>") == nil)
        // An expected child that is missing fails.
        let f = try #require(try mismatch("<message><body>hi</body><subject/></message>", "<message><body>hi</body></message>"))
        #expect(f.path == "message/subject[2]")
    }

    @Test func looseChildrenMustBeDistinct() throws {
        let expected = "<message><x xmlns='urn:a'/><x xmlns='urn:a'/></message>"
        #expect(try mismatch(expected, "<message><x xmlns='urn:a'/></message>") != nil)
        #expect(try mismatch(expected, "<message><x xmlns='urn:a'/><x xmlns='urn:a'/></message>") == nil)
    }

    @Test func looseTextIsComparedOnlyWhenExpectedTextIsNotBlank() throws {
        #expect(try mismatch("<message><subject/></message>", "<message><subject>Topic</subject></message>") == nil)
        #expect(try mismatch("<message><body>  Finished!\n</body></message>", "<message><body>Finished!</body></message>") == nil)
        #expect(try mismatch("<message><body>Finished!</body></message>", "<message><body>Started</body></message>") != nil)
    }

    // MARK: Strict (other namespaces)

    @Test func strictRefusesExtraAttributes() throws {
        let expected = "<presence><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>"
        #expect(try mismatch(expected, "<presence><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>") == nil)
        let f = try #require(try mismatch(expected, "<presence><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator' jid='a@b/c'/></x></presence>"))
        #expect(f.path == "presence/x[1]/item[1]")
        #expect(f.reason.contains("unexpected attribute 'jid'"))
    }

    @Test func strictChildrenAreComparedInOrder() throws {
        let expected = """
            <presence from='room@conference.localhost/Romeo'>
            	<x xmlns='http://jabber.org/protocol/muc#user'>
            		<status code='201'/>
            		<item affiliation='owner' role='moderator'/>
            		<status code='110'/>
            	</x>
            </presence>
            """
        let inOrder = "<presence from='room@conference.localhost/Romeo' to='u@localhost/r'><x xmlns='http://jabber.org/protocol/muc#user'><status code='201'/><item affiliation='owner' role='moderator'/><status code='110'/></x></presence>"
        let reordered = "<presence from='room@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/><item affiliation='owner' role='moderator'/><status code='201'/></x></presence>"
        let extraChild = "<presence from='room@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc#user'><status code='201'/><item affiliation='owner' role='moderator'/><status code='110'/><status code='100'/></x></presence>"
        #expect(try mismatch(expected, inOrder) == nil)
        let f = try #require(try mismatch(expected, reordered))
        #expect(f.path == "presence/x[1]/status[1]")
        #expect(f.reason.contains("'code' is '110', expected '201'"))
        let g = try #require(try mismatch(expected, extraChild))
        #expect(g.reason.contains("expected 3 child element(s), received 4"))
    }

    @Test func strictTextMustBeEqualAndEmptyMeansEmpty() throws {
        #expect(try mismatch("<iq><query xmlns='urn:q'><name> x </name></query></iq>", "<iq><query xmlns='urn:q'><name>x</name></query></iq>") == nil)
        #expect(try mismatch("<iq><query xmlns='urn:q'><name/></query></iq>", "<iq><query xmlns='urn:q'><name>x</name></query></iq>") != nil)
    }

    // MARK: The strict directive

    @Test func strictDirectiveOverridesDefaultForThatElementOnly() throws {
        // strict='false' on <x>: its children may come in any order...
        let expected = "<presence><x xmlns='http://jabber.org/protocol/muc#user' scansion:strict='false'><status code='110'/><item role='none'/></x></presence>"
        #expect(try mismatch(expected, "<presence><x xmlns='http://jabber.org/protocol/muc#user'><item role='none'/><status code='110'/><status code='307'/></x></presence>") == nil)
        // ...but <item> does not inherit it: it is still strict, so an extra attribute fails.
        let f = try #require(try mismatch(expected, "<presence><x xmlns='http://jabber.org/protocol/muc#user'><item role='none' nick='n'/><status code='110'/></x></presence>"))
        #expect(f.path.hasPrefix("presence/x[1]/item[2]"))
        #expect(f.reason.contains("unexpected attribute 'nick'"))
    }

    @Test func strictDirectiveOnAClientElement() throws {
        let expected = "<iq type='result' scansion:strict='true'/>"
        #expect(try mismatch(expected, "<iq type='result'/>") == nil)
        #expect(try mismatch(expected, "<iq type='result' id='x'/>") != nil)
        // An empty strict query must be empty.
        let emptyQuery = "<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item' scansion:strict='true'/></iq>"
        #expect(try mismatch(emptyQuery, "<iq type='result' id='1'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>") == nil)
        #expect(try mismatch(emptyQuery, "<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'><identity category='conference' type='text' name='R'/></query></iq>") != nil)
    }

    @Test func directivesAreNotExpectedAttributes() throws {
        // The directive itself need not appear on the received element.
        #expect(try mismatch("<message><x xmlns='urn:a' scansion:strict='true'/></message>", "<message><x xmlns='urn:a'/></message>") == nil)
    }

    // MARK: Values

    @Test func anyAcceptsEveryValueButTheAttributeMustExist() throws {
        #expect(try mismatch("<message id='{scansion:any}'/>", "<message id='abc'/>") == nil)
        #expect(try mismatch("<message id='{scansion:any}'/>", "<message/>") != nil)
    }

    @Test func capturesBindThenCompare() throws {
        var captures = Captures()
        let first = try stanza("<message id='{scansion:capture:ID}'/>")
        #expect(StanzaMatcher.match(expected: first, received: try stanza("<message id='42'/>"), captures: &captures) == nil)
        #expect(captures["ID"] == "42")
        let again = try stanza("<iq id='{scansion:capture:ID}'/>")
        #expect(StanzaMatcher.match(expected: again, received: try stanza("<iq id='42'/>"), captures: &captures) == nil)
        let f = try #require(StanzaMatcher.match(expected: again, received: try stanza("<iq id='43'/>"), captures: &captures))
        #expect(f.reason.contains("capture ID is bound to '42'"))
    }

    @Test func aFailedMatchBindsNothing() throws {
        var captures = Captures()
        let expected = try stanza("<message id='{scansion:capture:ID}' type='chat'/>")
        #expect(StanzaMatcher.match(expected: expected, received: try stanza("<message id='1' type='groupchat'/>"), captures: &captures) != nil)
        #expect(captures.isEmpty)
    }

    @Test func captureInsideLooseChildrenFollowsTheChosenAssignment() throws {
        // The first candidate binds N=a but then the second expected child cannot match; the search
        // must backtrack and bind N=b.
        var captures = Captures()
        let expected = try stanza("<message><x xmlns='urn:a' v='{scansion:capture:N}'/><y xmlns='urn:a' v='b'/><z xmlns='urn:a' v='{scansion:capture:N}'/></message>")
        let received = try stanza("<message><x xmlns='urn:a' v='a'/><x xmlns='urn:a' v='b'/><y xmlns='urn:a' v='b'/><z xmlns='urn:a' v='b'/></message>")
        #expect(StanzaMatcher.match(expected: expected, received: received, captures: &captures) == nil)
        #expect(captures["N"] == "b")
    }
}
