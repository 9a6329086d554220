import Testing
import XMPPCore
@testable import MUC

/// §6.4–§6.5: what a room says about itself.
@Suite struct RoomDiscoTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    func info(_ t: inout Transcript, from: String) throws -> (features: Set<String>, form: DataForm, raw: String) {
        let out = t.send("<iq type='get' id='i' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: from)
        let q = try #require(out.to(from).first?.child("query", namespace: NS.discoInfo))
        let features = Set(q.children("feature", namespace: NS.discoInfo).compactMap { $0.attribute("var") })
        let form = try #require(q.child("x", namespace: NS.dataForms).flatMap(DataForm.init(element:)))
        return (features, form, Serializer.string(q))
    }

    @Test func roomTypesFeaturesAndInfoForm() throws {
        var t = Transcript.romeoAndJuliet()
        var i = try info(&t, from: rosaline)
        #expect(i.features.isSuperset(of: [NS.muc, NS.mucStableID, NS.selfPing, NS.occupantID, NS.stanzaID, NS.moderate, NS.hats,
                                          "http://jabber.org/protocol/commands", NS.register, NS.ping]))
        #expect(i.features.isSuperset(of: ["muc_unsecured", "muc_open", "muc_unmoderated", "muc_temporary", "muc_public", "muc_semianonymous"]))
        #expect(i.form["muc#roominfo_contactjid"] == nil)
        #expect(i.form["muc#roominfo_lang"] == nil)
        #expect(i.form["muc#roominfo_occupants"]?.value == "2")
        t.submitConfig(romeo, field("roomdesc", "A balcony") + field("lang", "en") + field("roomsecret", "s3cr3t!")
                       + field("membersonly", "1") + field("moderatedroom", "1") + field("persistentroom", "1")
                       + field("publicroom", "0") + field("whois", "anyone"))
        t.send("<message type='groupchat' to='\(room)'><subject>Love</subject></message>", from: romeo)
        i = try info(&t, from: rosaline)
        #expect(i.features.isSuperset(of: ["muc_passwordprotected", "muc_membersonly", "muc_moderated", "muc_persistent", "muc_hidden", "muc_nonanonymous"]))
        #expect(i.features.isDisjoint(with: ["muc_unsecured", "muc_open", "muc_unmoderated", "muc_temporary", "muc_public", "muc_semianonymous"]))
        #expect(i.form.formType == NS.mucRoomInfo)
        #expect(i.form["muc#roominfo_description"]?.value == "A balcony")
        #expect(i.form["muc#roominfo_subject"]?.value == "Love")
        #expect(i.form["muc#roominfo_lang"]?.value == "en")
        // Non-anonymous: the owners are the contact addresses.
        #expect(i.form["muc#roominfo_contactjid"]?.values == [People.romeoBare])
        // The password never leaks.
        #expect(!i.raw.contains("s3cr3t!"))
        #expect(!(try info(&t, from: juliet)).raw.contains("s3cr3t!"))
    }

    @Test func itemsListTheOccupantsToOccupantsOnly() {
        var t = Transcript.romeoAndJuliet()
        let query = "<iq type='get' id='it' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"
        expectOnly(t.send(query, from: juliet), [juliet: ["""
            <iq type='result' id='it' from='\(room)'><query xmlns='http://jabber.org/protocol/disco#items'>\
            <item jid='\(room)/Romeo' name='Romeo'/><item jid='\(room)/Juliet' name='Juliet'/></query></iq>
            """]])
        expectOnly(t.send(query, from: rosaline), [rosaline: ["<iq type='result' id='it'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"]])
        #expect(errorOf(t.send("<iq type='get' id='it' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#items' node='x'/></iq>", from: juliet))! == ("cancel", "item-not-found"))
        #expect(errorOf(t.send("<iq type='set' id='it' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>", from: juliet))! == ("cancel", "feature-not-implemented"))
        // Roles whose presence is not broadcast are not listed to others.
        t.submitConfig(romeo, field("moderatedroom", "1") + field("presencebroadcast", "moderator", "participant"))
        t.join(rosaline, nick: "Rosaline")
        let items = t.send(query, from: juliet).to(juliet).first?.child("query", namespace: NS.discoItems)?
            .children("item", namespace: NS.discoItems).compactMap { $0.attribute("name") }
        #expect(items == ["Romeo", "Juliet"])
        let own = t.send(query, from: rosaline).to(rosaline).first?.child("query", namespace: NS.discoItems)?
            .children("item", namespace: NS.discoItems).compactMap { $0.attribute("name") }
        #expect(own == ["Romeo", "Juliet", "Rosaline"])
    }
}
