import XMPPCore
import Testing

@Suite struct JIDTests {
    @Test func splitsAtFirstAtBeforeFirstSlash() throws {
        let j = try JID("a@b/c@d/e")
        #expect(j.localpart == "a")
        #expect(j.domain == "b")
        #expect(j.resource == "c@d/e")
        #expect(j.description == "a@b/c@d/e")

        let k = try JID("a/b@c")
        #expect(k.localpart == nil)
        #expect(k.domain == "a")
        #expect(k.resource == "b@c")

        let d = try JID("example.org")
        #expect(d.localpart == nil && d.resource == nil)
        #expect(d.full == nil)
        #expect(try JID("room@muc/nick").full?.resource == "nick")
    }

    @Test func lowercasesLocalAndDomainKeepsResourceCase() throws {
        let j = try JID("Romeo@Example.COM/Balcony")
        #expect(j.description == "romeo@example.com/Balcony")
        #expect(try JID("ÉLODIE@BÜCHER.de/Öl").description == "élodie@bücher.de/Öl")
        #expect(try JID("A@B") == JID("a@b"))
        #expect(try JID("a@b/R") != JID("a@b/r"))
        #expect(try BareJID("Room@MUC.example.org") == BareJID("room@muc.example.org"))
    }

    @Test func trailingDotStripped() throws {
        #expect(try JID("example.com.").domain == "example.com")
        #expect(try JID("a@example.com./r").description == "a@example.com/r")
        #expect(try JID("a@example.com.") == JID("a@example.com"))
        #expect(throws: JIDError.emptyDomainpart) { try JID(".") }
        #expect(throws: JIDError.emptyDomainpart) { try JID("a@.") }
        #expect(throws: JIDError.invalidDomain) { try JID("example.com..") }
        #expect(throws: JIDError.invalidDomain) { try JID("a..b") }
        #expect(throws: JIDError.invalidDomain) { try JID(".example.com") }
    }

    @Test func emptyParts() {
        #expect(throws: JIDError.empty) { try JID("") }
        #expect(throws: JIDError.emptyLocalpart) { try JID("@example.com") }
        #expect(throws: JIDError.emptyLocalpart) { try JID("@") }
        #expect(throws: JIDError.emptyDomainpart) { try JID("user@") }
        #expect(throws: JIDError.emptyDomainpart) { try JID("user@/res") }
        #expect(throws: JIDError.emptyDomainpart) { try JID("/res") }
        #expect(throws: JIDError.emptyResourcepart) { try JID("user@example.com/") }
        #expect(throws: JIDError.emptyResourcepart) { try JID("example.com/") }
    }

    @Test func lengthLimits() throws {
        let max = String(repeating: "a", count: 1023)
        let over = String(repeating: "a", count: 1024)
        #expect(try JID("\(max)@d").localpart?.utf8.count == 1023)
        #expect(throws: JIDError.tooLong(part: "localpart")) { try JID("\(over)@d") }
        #expect(try JID("l@\(max)").domain.utf8.count == 1023)
        #expect(throws: JIDError.tooLong(part: "domainpart")) { try JID("l@\(over)") }
        #expect(try JID("l@d/\(max)").resource?.utf8.count == 1023)
        #expect(throws: JIDError.tooLong(part: "resourcepart")) { try JID("l@d/\(over)") }
        // The limit is in bytes, not characters.
        let euros = String(repeating: "€", count: 341)  // 1023 bytes
        #expect(try JID("l@d/\(euros)").resource == euros)
        #expect(throws: JIDError.tooLong(part: "resourcepart")) { try JID("l@d/\(euros)€") }
        #expect(throws: JIDError.tooLong(part: "localpart")) { try JID("\(euros)€@d") }
        // A trailing dot does not count.
        #expect(try JID("l@\(max).").domain.utf8.count == 1023)
    }

    @Test func forbiddenInLocalpart() {
        for (char, scalar) in [("\"", 0x22), ("&", 0x26), ("'", 0x27), (":", 0x3A), ("<", 0x3C), (">", 0x3E),
                               (" ", 0x20), ("\t", 0x09), ("\u{7F}", 0x7F), ("\u{A0}", 0xA0), ("\u{3000}", 0x3000), ("\u{0}", 0)] {
            #expect(throws: JIDError.forbiddenCharacter(part: "localpart", scalar: UInt32(scalar)), "\(scalar)") {
                try JID("ro\(char)meo@example.com/r")
            }
        }
    }

    @Test func forbiddenInDomainpart() {
        for (char, scalar) in [("\"", 0x22), ("&", 0x26), ("'", 0x27), (":", 0x3A), ("<", 0x3C), (">", 0x3E),
                               ("@", 0x40), ("[", 0x5B), ("]", 0x5D), ("\\", 0x5C), (" ", 0x20), ("\n", 0x0A)] {
            #expect(throws: JIDError.forbiddenCharacter(part: "domainpart", scalar: UInt32(scalar)), "\(scalar)") {
                try JID("romeo@exam\(char)ple.com/r")
            }
        }
        // A second '@' ends up in the domainpart.
        #expect(throws: JIDError.forbiddenCharacter(part: "domainpart", scalar: 0x40)) { try JID("a@b@c") }
    }

    @Test func resourcepartRules() throws {
        // Spaces, '@', '/', punctuation and emoji are fine in a resource (nicknames).
        #expect(try JID("room@muc/the nick @home/x 😀 & <'\">").resource == "the nick @home/x 😀 & <'\">")
        for bad in ["\u{0}", "\u{7}", "\u{1B}", "\u{85}", "\u{FFFE}", "\u{E000}"] {
            #expect(throws: JIDError.self, "\(bad.unicodeScalars.first!.value)") { try JID("room@muc/ni\(bad)ck") }
        }
        #expect(throws: JIDError.forbiddenCharacter(part: "resourcepart", scalar: 0x07)) { try JID("a@b/\u{7}") }
    }

    @Test func separatorsFollowedByCombiningMarks() throws {
        // "/" or "@" followed by a combining mark form one grapheme but are still separators.
        let j = try JID("room@muc/\u{301}nick")
        #expect(j.domain == "muc")
        #expect(j.resource == "\u{301}nick")
        let k = try JID("ro\u{301}om@\u{E9}x/r")
        #expect(k.localpart == "ro\u{301}om")
        #expect(k.domain == "\u{E9}x")
        #expect(try JID(j.description) == j)
    }

    @Test func ipLiterals() throws {
        #expect(try JID("user@[2001:DB8::1]/res").domain == "[2001:db8::1]")
        #expect(try JID("[::1]").domain == "[::1]")
        #expect(try JID("[::ffff:192.0.2.1]").domain == "[::ffff:192.0.2.1]")
        #expect(try JID("a@192.0.2.1").domain == "192.0.2.1")
        for bad in ["[::1", "[]", "[g::1]", "[::1]:5222", "a@[::1 ]"] {
            #expect(throws: JIDError.self, "\(bad)") { try JID(bad) }
        }
    }

    @Test func bareAndFull() throws {
        #expect(throws: JIDError.self) { try BareJID("a@b/c") }
        #expect(throws: JIDError.emptyResourcepart) { try FullJID("a@b") }
        let full = try FullJID("Room@MUC/Nick")
        #expect(full.bare == (try BareJID("room@muc")))
        #expect(full.resource == "Nick")
        #expect(full.description == "room@muc/Nick")
        #expect(full.jid.full == full)
        let bare = try BareJID(localpart: "ROOM", domain: "Muc.Example.")
        #expect(bare.description == "room@muc.example")
        #expect(try bare.with(resource: "x").description == "room@muc.example/x")
        #expect(throws: JIDError.emptyResourcepart) { try bare.with(resource: "") }
        #expect(throws: JIDError.emptyLocalpart) { try BareJID(localpart: "", domain: "d") }
        #expect(try BareJID(localpart: nil, domain: "d").description == "d")
        #expect(bare.jid.resource == nil)
        #expect(try BareJID("a@b") < BareJID("b@a"))
    }

    @Test func descriptionRoundTrips() throws {
        for s in ["a@b", "a@b/c", "b", "b/c", "a@b/c/d", "é@ü.de/Ω", "room@muc/😀"] {
            let j = try JID(s)
            #expect(try JID(j.description) == j)
            #expect(j.description == s)
        }
    }

    @Test func malformedNeverCrashes() {
        // Deterministic pseudo-random strings over an alphabet rich in separators.
        var seed: UInt64 = 42
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        let alphabet: [Character] = ["a", "B", "@", "/", ".", "[", "]", ":", " ", "é", "😀", "\u{0}", "\u{FFFE}", "-", "\u{301}"]
        for _ in 0..<5000 {
            let s = String((0..<(next() % 12)).map { _ in alphabet[next() % alphabet.count] })
            if let j = try? JID(s) {
                // Whatever parses re-parses to the same JID.
                #expect((try? JID(j.description)) == j, "\(s)")
            }
        }
    }

    @Test func errorDescriptions() {
        #expect(JIDError.forbiddenCharacter(part: "localpart", scalar: 0x40).description == "forbidden character U+40 in localpart")
        #expect(JIDError.tooLong(part: "resourcepart").description == "resourcepart longer than 1023 bytes")
    }

    /// Bare JIDs sort in the byte order of their UTF-8 strings, the order the SQL stores list in,
    /// including where a localpart is a prefix of another, domain JIDs, and non-ASCII text.
    @Test func bareJIDsSortInByteOrder() throws {
        let texts = ["room@conference.example.org", "room2@conference.example.org", "roo@conference.example.org",
                     "room@conference.example.net", "conference.example.org", "z@a", "älg@conference.example.org",
                     "zzz@conference.example.org", "0day@conference.example.org", "a@b.c", "a.b@c", "room@c"]
        let jids = try texts.map { try BareJID($0) }
        let expected = jids.sorted { $0.description.utf8.lexicographicallyPrecedes($1.description.utf8) }
        #expect(jids.sorted() == expected)
        for a in jids {
            #expect(!(a < a))
            for b in jids where a != b {
                #expect((a < b) != (b < a), "\(a) and \(b)")
            }
        }
    }
}
