import Testing
@testable import XMPPCore

/// The ASCII fast path of the JID parser must give exactly what the full parser gives, and
/// leave everything unusual to it.
@Suite struct JIDFastPathTests {
    @Test(arguments: ["user@localhost/r", "room@conference.localhost/nick 1", "conference.localhost", "a.b..c@d.e/f@g/h",
                      "x@y", "[::1]", "l[]\\@d", "u@d.", "u@.d", "u@d..e", "U@d", "u@D", "@d", "u@d/", "u@@d", "u@d/ x",
                      "é@d", "u@d/é", "u@d@e/r", "u\"@d", "u@d\\e", "a@b:c"])
    func agreesWithTheFullParser(_ text: String) {
        let fast = JID.parseSimpleASCII(text)
        let full = Result { () throws(JIDError) -> JID in try JID.parseFully(text) }
        if let fast {
            #expect(full.map { $0 } == .success(fast), "fast path gave \(fast) for \(text)")
        }
        // Whatever path is taken, the public parser agrees with the full one.
        let parsed = Result { () throws(JIDError) -> JID in try JID(text) }
        #expect(parsed.map { $0 } == full.map { $0 }, "\(text)")
    }

    @Test func takesTheCommonShapes() {
        #expect(JID.parseSimpleASCII("user1@load.localhost/r") != nil)
        #expect(JID.parseSimpleASCII("room0@conference.localhost/nick0") != nil)
        #expect(JID.parseSimpleASCII("conference.localhost") != nil)
        #expect(JID.parseSimpleASCII("User@localhost") == nil, "uppercase goes to the full parser")
    }

    /// Random strings over an alphabet full of separators and edge characters.
    @Test func randomStringsAgree() {
        let alphabet = Array("ab.@/:[]\\\"&'<> AZ-_é\u{7F}\u{1}0")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 1...12, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            let full = Result { () throws(JIDError) -> JID in try JID.parseFully(text) }
            if let fast = JID.parseSimpleASCII(text) {
                #expect(full.map { $0 } == .success(fast), "fast path gave \(fast) for \(text.debugDescription)")
            }
        }
    }
}
