import Testing
import XMPPCore
@testable import MUC

/// The service admins' commands (Prosody's `muc#destroy` and `muc#set-affiliation` nodes) and
/// what service admins are in rooms (`MUCSettings.adminsAreOwners`).
@Suite struct AdminCommandTests {
    let romeo = People.romeo, juliet = People.juliet, room = People.room
    let boss = "boss@localhost/desk"
    let service = "conference.localhost"
    static let destroyNode = "http://prosody.im/protocol/muc#destroy"
    static let affiliationNode = "http://prosody.im/protocol/muc#set-affiliation"

    func transcript(store: Bool = true, adminsAreOwners: Bool = false) throws -> Transcript {
        var settings = MUCSettings(domain: "conference.localhost", admins: [try BareJID("boss@localhost")])
        settings.adminsAreOwners = adminsAreOwners
        return Transcript(settings, store: store)
    }

    /// The first stanza to `jid`, serialized ("" when none).
    func first(_ out: Output, to jid: String) -> String { out.to(jid).first.map { Serializer.string($0) } ?? "" }

    func execute(_ node: String, _ fields: String? = nil, action: String? = nil) -> String {
        let form = fields.map { "<x xmlns='jabber:x:data' type='submit'>\($0)</x>" } ?? ""
        let act = action.map { " action='\($0)'" } ?? ""
        return "<iq type='set' id='c1' to='\(service)'><command xmlns='http://jabber.org/protocol/commands' node='\(node)'\(act)>\(form)</command></iq>"
    }

    @Test func adminsAreNotOwnersUnlessConfigured() throws {
        var t = try transcript()
        t.createInstantRoom(romeo, nick: "Romeo")
        expectStanzas(t.join(boss, nick: "Boss"), to: boss, [
            X.presence("Romeo", X.item("owner", "moderator")),
            X.presence("Boss", X.item("none", "participant", jid: boss) + X.status(110)), X.emptySubject,
        ])
        #expect(errorOf(t.admin(boss, "<item affiliation='outcast' jid='\(People.julietBare)'/>"))! == ("auth", "forbidden"))

        var owners = try transcript(adminsAreOwners: true)
        owners.createInstantRoom(romeo, nick: "Romeo")
        expectStanzas(owners.join(boss, nick: "Boss"), to: boss, [
            X.presence("Romeo", X.item("owner", "moderator", jid: romeo)),
            X.presence("Boss", X.item("owner", "moderator", jid: boss) + X.status(110)), X.emptySubject,
        ])
    }

    @Test func commandsAreListedForAdminsOnly() throws {
        var t = try transcript()
        let items = "<iq type='get' id='i' to='\(service)'><query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>"
        expectOnly(t.send(items, from: boss), [boss: ["""
            <iq type='result' id='i'><query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'>
              <item jid='conference.localhost' node='\(Self.destroyNode)' name='Destroy Rooms'/>
              <item jid='conference.localhost' node='\(Self.affiliationNode)' name='Set affiliation in room'/>
            </query></iq>
            """]])
        expectOnly(t.send(items, from: romeo), [romeo: ["""
            <iq type='result' id='i'><query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>
            """]])
        let info = "<iq type='get' id='n' to='\(service)'><query xmlns='http://jabber.org/protocol/disco#info' node='\(Self.destroyNode)'/></iq>"
        #expect(t.send(info, from: boss).to(boss).first?.attribute("type") == "result")
        #expect(errorOf(t.send(info, from: romeo))! == ("auth", "forbidden"))
        #expect(errorOf(t.send(execute(Self.destroyNode), from: romeo))! == ("auth", "forbidden"))
        #expect(errorOf(t.send(execute("urn:example:nothing"), from: boss))! == ("cancel", "item-not-found"))
        let features = t.send("<iq type='get' id='d' to='\(service)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: romeo)
        #expect(first(features, to: romeo).contains("http://jabber.org/protocol/commands"))
    }

    @Test func destroyOffersEveryRoomAndTellsTheOccupants() throws {
        var t = try transcript()
        t.createInstantRoom(romeo, nick: "Romeo", config: field("persistentroom", "1"))
        t.join(juliet, nick: "Juliet")
        t.createInstantRoom(romeo, nick: "Romeo", room: "other@conference.localhost", config: field("persistentroom", "1"))
        t.send("<presence type='unavailable' to='other@conference.localhost/Romeo'/>", from: romeo)
        // The form offers both rooms; "other" is stored and empty.
        let form = t.send(execute(Self.destroyNode), from: boss).to(boss)
        #expect(form.count == 1)
        let text = form.first.map { Serializer.string($0) } ?? ""
        #expect(text.contains("status=\"executing\"") || text.contains("status='executing'"))
        #expect(text.contains("other@conference.localhost") && text.contains(room))
        // Unloaded from memory (as after a restart), "other" is loaded to be destroyed.
        t.service = MUCService(settings: t.service.settings, usesStore: true)
        t.join(romeo, nick: "Romeo")
        t.join(juliet, nick: "Juliet")
        let out = t.send(execute(Self.destroyNode, """
            <field var='FORM_TYPE'><value>\(Self.destroyNode)</value></field>
            <field var='rooms'><value>\(room)</value><value>other@conference.localhost</value><value>gone@conference.localhost</value></field>
            """), from: boss)
        expectStanzas(out, to: juliet, ["""
            <presence type='unavailable' from='\(room)/Juliet'><x xmlns='http://jabber.org/protocol/muc#user'>
              <destroy/><item affiliation='none' role='none' jid='\(juliet)'/><status code='110'/></x></presence>
            """])
        expectStanzas(out, to: boss, ["""
            <iq type='result' id='c1'><command xmlns='http://jabber.org/protocol/commands' node='\(Self.destroyNode)' sessionid='muc-admin-1' status='completed'>
              <note type='info'>The following rooms were destroyed:\n\(room)\nother@conference.localhost</note></command></iq>
            """])
        #expect(t.stored.isEmpty)
        // Both are gone: joining creates a new, locked room.
        expectStanzas(t.join(juliet, nick: "Juliet", room: "other@conference.localhost"), to: juliet, ["""
            <presence from='other@conference.localhost/Juliet'><x xmlns='http://jabber.org/protocol/muc#user'>
              <status code='201'/><item affiliation='owner' role='moderator' jid='\(juliet)'/><status code='110'/></x></presence>
            """, "<message type='groupchat' from='other@conference.localhost'><subject/></message>"])
    }

    @Test func destroyWaitsForTheStoreAndStopsWhenItFails() throws {
        var t = try transcript()
        t.createInstantRoom(romeo, nick: "Romeo", config: field("persistentroom", "1"))
        t.failWrites = 1
        let out = t.send(execute(Self.destroyNode, "<field var='rooms'><value>\(room)</value></field>"), from: boss)
        #expect(errorOf(out)! == ("wait", "internal-server-error"))
        #expect(out.to(romeo).isEmpty)
        #expect(t.stored[try BareJID(room)] != nil)
        // Cancel and a form without rooms.
        #expect(first(t.send(execute(Self.destroyNode, action: "cancel"), from: boss), to: boss).contains("canceled"))
        let empty = first(t.send(execute(Self.destroyNode, "<field var='rooms'/>"), from: boss), to: boss)
        #expect(empty.contains("Required value missing"))
    }

    @Test func setAffiliationActsWithoutAnActorAndIsListedWithItsReason() throws {
        var t = try transcript()
        t.createInstantRoom(romeo, nick: "Romeo", config: field("persistentroom", "1"))
        t.join(juliet, nick: "Juliet")
        let form = first(t.send(execute(Self.affiliationNode), from: boss), to: boss)
        #expect(form.contains("affiliation") && form.contains("executing"))
        let out = t.send(execute(Self.affiliationNode, """
            <field var='room'><value>\(room)</value></field><field var='jid'><value>\(People.julietBare)</value></field>
            <field var='affiliation'><value>outcast</value></field><field var='reason'><value>Spam</value></field>
            """), from: boss)
        expectStanzas(out, to: romeo, [X.presence("Juliet", type: "unavailable", X.status(301) + X.item("outcast", "none", jid: juliet, X.reason("Spam")))])
        expectStanzas(out, to: boss, ["""
            <iq type='result' id='c1'><command xmlns='http://jabber.org/protocol/commands' node='\(Self.affiliationNode)' sessionid='muc-admin-2' status='completed'>
              <note type='info'>Affiliation updated</note></command></iq>
            """])
        #expect(t.stored[try BareJID(room)]?.affiliations.contains { $0.affiliation == .outcast && $0.reason == "Spam" } == true)
        // Members are listed with the reason too (Prosody 13).
        t.admin(romeo, "<item affiliation='member' jid='user3@localhost'><reason>Friend</reason></item>")
        let list = t.send("<iq type='get' id='l' to='\(room)'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>", from: romeo)
        expectStanzas(list, to: romeo, ["""
            <iq type='result' id='l'><query xmlns='http://jabber.org/protocol/muc#admin'>
              <item affiliation='member' jid='user3@localhost'><reason>Friend</reason></item></query></iq>
            """])
        // No such room; missing fields.
        let none = t.send(execute(Self.affiliationNode, """
            <field var='room'><value>nowhere@conference.localhost</value></field><field var='jid'><value>a@localhost</value></field>
            <field var='affiliation'><value>member</value></field>
            """), from: boss).to(boss).first.map { Serializer.string($0) } ?? ""
        #expect(none.contains("canceled") && none.contains("No such room"))
        let missing = first(t.send(execute(Self.affiliationNode, "<field var='room'><value>\(room)</value></field>"), from: boss), to: boss)
        #expect(missing.contains("jid: Required value missing") && missing.contains("affiliation: Required value missing"))
    }
}
