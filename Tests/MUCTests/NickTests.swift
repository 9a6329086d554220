import Testing
import XMPPCore
@testable import MUC

/// Nickname rules (see `Nick`): refused, never rewritten.
@Suite struct NickTests {
    let romeo = People.romeo, juliet = People.juliet, room = People.room

    @Test(arguments: ["Juliet", "Lady Capulet", "Мария", "山田太郎", "Zoë", "❤️", "👩‍❤️‍👨", "O'Brien", "ß", "İstanbul", "a.b-c_d",
                      "\u{03BC}", "Σοφία", "ς", "ẞ", "\u{1F80}", "\u{AB70}"])
    func acceptedNicks(_ nick: String) {
        #expect(Nick.problem(nick) == nil, "\(nick)")
    }

    @Test(arguments: [
        "", " ", "Juliet ", " Juliet", "Lady  Capulet",         // spaces the Nickname profile would change
        "Juliet\u{00A0}C", "\u{3000}Juliet", "Jul\u{2028}iet",  // non-ASCII spaces and separators
        "Juliet\u{200B}", "\u{2060}\u{200D}", "Ju\u{00AD}liet", "\u{3164}", // invisible characters
        "\u{202E}teiluJ", "Juliet\u{200F}", "\u{2067}Juliet",   // bidirectional controls
        "Ｊuliet", "ｊuliet", "Juliet²", "Ⓙuliet", "𝐉uliet", "ﬁne", "Ⅻ", "ǅ",  // compatibility characters
        "\u{00B5}Juliet", "Ro\u{017F}aline", "\u{1E9B}", "\u{03D0}eta", "\u{03D1}", "\u{03F4}", "\u{03F5}",  // ones case folding also changes
        "Zoe\u{0308}", "\u{212B}ngstrom",                       // not NFC
        "\u{0301}Juliet",                                       // starts with a combining mark
        "Ju\u{0007}liet", "Ju\u{E000}liet", "Ju\u{FFFE}liet", "Ju\u{0378}liet",  // control, private use, non-character, unassigned
    ])
    func refusedNicks(_ nick: String) {
        #expect(Nick.problem(nick) != nil, "\(nick.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test func tooLong() {
        #expect(Nick.problem(String(repeating: "a", count: 1023)) == nil)
        #expect(Nick.problem(String(repeating: "a", count: 1024)) != nil)
    }

    /// Joins, nick changes, registration and reservations refuse them with jid-malformed (or
    /// not-acceptable for forms), with the reason in the text.
    @Test func refusedWhereverANickIsChosen() {
        var t = Transcript.romeoAndJuliet()
        let join = t.join(People.rosaline, nick: "Juliet ")
        expectError(join, to: People.rosaline, type: "modify", condition: "jid-malformed", from: "\(room)/Juliet ")
        #expect(join.deliveries[0].stanza.child("error", namespace: NS.component)?.childText("text", namespace: NS.stanzas) == "The nickname ends with a space")
        expectError(t.send("<presence to='\(room)/Ｊuliet'/>", from: juliet), to: juliet, type: "modify", condition: "jid-malformed")
        expectError(t.join(People.rosaline, nick: "Zoe\u{0308}"), to: People.rosaline, type: "modify", condition: "jid-malformed")
        #expect(errorOf(t.admin(romeo, "<item affiliation='member' jid='\(People.rosalineBare)' nick='Rosa '/>"))! == ("modify", "not-acceptable"))
        // A new room cannot be created with one.
        expectError(t.join(romeo, nick: "\u{202E}oemoR", room: "new@conference.localhost"), to: romeo, type: "modify", condition: "jid-malformed")
        #expect(t.service.roomCount == 1)
    }
}
