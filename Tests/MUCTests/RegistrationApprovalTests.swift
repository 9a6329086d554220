import Testing
import XMPPCore
@testable import MUC

/// §9.9: registration requests approved by the room's admins.
@Suite struct RegistrationApprovalTests {
    let romeo = People.romeo, juliet = People.juliet, rosaline = People.rosaline, room = People.room

    func register(_ nick: String) -> String {
        """
        <iq type='set' id='reg' to='\(room)'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>\
        <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field>\
        <field var='muc#register_roomnick'><value>\(nick)</value></field>\
        <field var='muc#register_email'><value>rosa@example.org</value></field></x></query></iq>
        """
    }

    func decision(_ user: String, nick: String, allow: String) -> String {
        """
        <message to='\(room)'><x xmlns='jabber:x:data' type='submit'>\
        <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field>\
        <field var='muc#register_roomnick'><value>\(nick)</value></field>\
        <field var='muc#jid'><value>\(user)</value></field>\
        <field var='muc#register_allow'><value>\(allow)</value></field></x></message>
        """
    }

    @Test func requestGoesToAdminsAndApprovalMakesAMember() throws {
        var settings = MUCSettings(domain: "conference.localhost")
        settings.registrationApproval = true
        var t = Transcript(settings)
        t.createInstantRoom(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("membersonly", "1") + field("persistentroom", "1"))
        t.admin(romeo, "<item affiliation='admin' jid='\(People.julietBare)'/>")
        t.join(juliet, nick: "Juliet")
        // The form, then the submission: the admins and owners are asked, the user gets a result.
        #expect(t.send("<iq type='get' id='f' to='\(room)'><query xmlns='jabber:iq:register'/></iq>", from: rosaline).to(rosaline).first?.attribute("type") == "result")
        let request = t.send(register("Rosaline"), from: rosaline)
        #expect(request.persisted.isEmpty)
        expectStanzas(request, to: rosaline, ["<iq type='result' id='reg' from='\(room)'/>"])
        let asked = request.to(People.romeoBare) + request.to(People.julietBare)
        #expect(asked.count == 2)
        let form = try #require(asked.first?.child("x", namespace: NS.dataForms).flatMap(DataForm.init(element:)))
        #expect(form.formType == NS.mucRegister && form.type == .form)
        #expect(form["muc#jid"]?.value == People.rosalineBare)
        #expect(form["muc#register_roomnick"]?.value == "Rosaline")
        #expect(form["muc#register_email"]?.value == "rosa@example.org")
        #expect(form["muc#register_allow"]?.value == "0")
        // Still not a member.
        expectError(t.join(rosaline, nick: "Rosaline"), to: rosaline, type: "auth", condition: "registration-required")
        // A denial changes nothing.
        #expect(t.send(decision(People.rosalineBare, nick: "Rosaline", allow: "0"), from: juliet).deliveries.isEmpty)
        // Approval: stored, announced like any affiliation change; she may enter with her nick reserved.
        let approve = t.send(decision(People.rosalineBare, nick: "Rosaline", allow: "1"), from: juliet)
        #expect(approve.persisted.first?.affiliations.contains { $0.jid.description == People.rosalineBare && $0.affiliation == .member && $0.nick == "Rosaline" } == true)
        expectStanzas(approve, to: romeo, [X.affiliationMessage(People.rosalineBare, "member")])
        #expect(t.join(rosaline, nick: "Rosaline").to(rosaline).count == 4)
        // Someone else: refused as a non-member first (nobody learns who holds which nick).
        expectError(t.join("someone@localhost/x", nick: "Rosaline"), to: "someone@localhost/x", type: "auth", condition: "registration-required")
    }

    @Test func decisionRefusals() {
        var settings = MUCSettings(domain: "conference.localhost")
        settings.registrationApproval = true
        var t = Transcript.romeoAndJuliet(settings)
        // Not an admin: forbidden.
        expectError(t.send(decision(People.rosalineBare, nick: "Rosaline", allow: "1"), from: juliet),
                    to: juliet, kind: "message", type: "auth", condition: "forbidden")
        // Incomplete: bad-request; a nick someone else reserved: conflict; an outcast: not-allowed.
        expectError(t.send(decision("", nick: "Rosaline", allow: "1"), from: romeo), to: romeo, kind: "message", type: "modify", condition: "bad-request")
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)' nick='Jules'/>")
        expectError(t.send(decision(People.rosalineBare, nick: "Jules", allow: "1"), from: romeo), to: romeo, kind: "message", type: "cancel", condition: "conflict")
        t.admin(romeo, "<item affiliation='outcast' jid='\(People.rosalineBare)'/>")
        expectError(t.send(decision(People.rosalineBare, nick: "Rosaline", allow: "1"), from: romeo), to: romeo, kind: "message", type: "cancel", condition: "not-allowed")
        // Without approval configured, unaffiliated users are refused as before.
        var plain = Transcript.romeoAndJuliet()
        expectError(plain.send(register("Rosaline"), from: rosaline), to: rosaline, kind: "iq", type: "auth", condition: "registration-required")
    }
}
