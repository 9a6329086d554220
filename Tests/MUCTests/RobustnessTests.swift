import Testing
import XMPPCore
@testable import MUC

/// Hostile and odd input: nothing crashes, errors are never answered, every request gets an answer.
@Suite struct RobustnessTests {
    let romeo = People.romeo, juliet = People.juliet, room = People.room

    @Test func oddStanzasDoNotCrashAndGetSensibleAnswers() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        let odd = [
            "<iq to='\(room)' id='1'/>",
            "<iq to='\(room)' id='2' type='get'/>",
            "<iq to='\(room)' id='3' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item/></query></iq>",
            "<iq to='\(room)' id='4' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data'/></query></iq>",
            "<iq to='\(room)' id='5' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field/><field var='muc#roomconfig_maxusers'/></x></query></iq>",
            "<iq to='\(room)' id='6' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='not a jid@@'/></query></iq>",
            "<iq to='\(room)' id='7' type='get'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>",
            "<iq to='\(room)' id='8' type='set'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'/></query></iq>",
            "<iq to='\(room)/Juliet' id='9' type='set'/>",
            "<message to='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><invite/></x></message>",
            "<message to='\(room)'><x xmlns='http://jabber.org/protocol/muc#user'><decline/></x></message>",
            "<message to='\(room)' type='unknowntype'><body>x</body></message>",
            "<message to='\(room)'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field></x></message>",
            "<presence to='\(room)/Juliet'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='-5' maxchars='x' seconds='1e999' since='garbage'/></x></presence>",
            "<iq to='\(room)' id='10' type='set'><moderate xmlns='urn:xmpp:message-moderate:1'/></iq>",
            "<iq to='\(room)' id='11' type='set'><command xmlns='http://jabber.org/protocol/commands'/></iq>",
            "<iq to='\(room)' id='12' type='set'><command xmlns='http://jabber.org/protocol/commands' node='urn:xmpp:hats:commands:list' action='execute'><x xmlns='jabber:x:data' type='submit'/></command></iq>",
            "<iq to='\(room)' id='13' type='error'/>",
            "<iq to='\(room)' id='muc-ping-1' type='error'/>",
            "<message to='\(room)' type='groupchat'><retract xmlns='urn:xmpp:message-retract:1'/><stanza-id xmlns='urn:xmpp:sid:0'/><occupant-id xmlns='urn:xmpp:occupant-id:0'/></message>",
            "<message to='\(room)'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field></x></message>",
            "<presence to='\(room)' type='probe'/>",
            "<presence to='\(room)/Juliet' type='unavailable'/>",
            "<presence to='\(room)/Juliet' type='unavailable'/>",
            "<presence to='\(room)/Nobody' type='probe'/>",
        ]
        for xml in odd {
            let out = t.send(xml, from: juliet)
            for d in out.deliveries where d.stanza.attribute("type") == "error" {
                // Errors go back to the sender only.
                #expect(d.to == juliet, "\(xml)")
            }
        }
        #expect(t.service.roomCount == 1)
    }

    @Test func errorsAreNeverAnswered() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        for xml in ["<iq to='\(room)' type='error' id='e'/>", "<message to='\(room)' type='error'/>", "<presence to='\(room)/X' type='error'/>",
                    "<message to='\(room)/Romeo' type='error'/>", "<iq to='\(room)/Romeo' type='error' id='e'/>"] {
            #expect(t.send(xml, from: juliet).deliveries.isEmpty, "\(xml)")
        }
    }

    @Test func manyOccupantsStayConsistent() {
        var t = Transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        for i in 0..<50 { t.join("u\(i)@localhost/r", nick: "n\(i)") }
        for i in stride(from: 0, to: 50, by: 2) { t.send("<presence type='unavailable' to='\(room)/n\(i)'/>", from: "u\(i)@localhost/r") }
        for i in stride(from: 1, to: 50, by: 4) { t.send("<presence to='\(room)/m\(i)'/>", from: "u\(i)@localhost/r") }
        let out = t.send("<message type='groupchat' to='\(room)'><body>x</body></message>", from: romeo)
        #expect(out.deliveries.count == 26)
        let join = t.join(juliet, nick: "Juliet")
        // 26 others, self, history, subject.
        #expect(join.to(juliet).count == 29)
        let nicks = join.to(juliet).prefix(26).compactMap { $0.attribute("from")?.split(separator: "/").last.map(String.init) }
        #expect(nicks.first == "Romeo")
        #expect(nicks.contains("m1") && nicks.contains("n3") && !nicks.contains("n1") && !nicks.contains("n0"))
    }
}
