import Testing
@testable import MUCConfig

@Suite struct KeyLocatorTests {
    @Test func headersKeysAndDottedKeys() {
        let locator = KeyLocator("""
        # comment
        top = 1
        [a]
        x = 1
          "y.z" = 2
        b.c = 3
        [[arr]]
        k = 'v'
        [a . "q r"]
        w = { p = 1, s = [1, 2] }
        """)
        #expect(locator.line(of: ["top"]) == 2)
        #expect(locator.line(of: ["a"]) == 3)
        #expect(locator.line(of: ["a", "x"]) == 4)
        #expect(locator.line(of: ["a", "y.z"]) == 5)
        #expect(locator.line(of: ["a", "b"]) == 6)
        #expect(locator.line(of: ["a", "b", "c"]) == 6)
        #expect(locator.line(ofDotted: "a.b.c") == 6)
        #expect(locator.line(of: ["arr", "k"]) == 8)
        #expect(locator.line(of: ["a", "q r"]) == 9)
        #expect(locator.line(of: ["a", "q r", "w", "p"]) == 10)
        #expect(locator.line(of: ["nope"]) == nil)
    }

    @Test func stringsHideLookalikes() {
        let locator = KeyLocator(#"""
        a = "x = 1 \" [b]"
        c = '''
        d = 2
        [e]'''
        f = """\
          g = 3 \"""
        """
        h = "\u0041"
        "\u0069" = 1
        """#)
        #expect(locator.line(of: ["a"]) == 1)
        #expect(locator.line(of: ["c"]) == 2)
        #expect(locator.line(of: ["d"]) == nil)
        #expect(locator.line(of: ["e"]) == nil)
        #expect(locator.line(of: ["f"]) == 5)
        #expect(locator.line(of: ["g"]) == nil)
        #expect(locator.line(of: ["h"]) == 8)
        #expect(locator.line(of: ["i"]) == 9)
    }

    /// It runs only after TOMLKit accepted the text, but must never trap or hang on any input.
    @Test func survivesGarbage() {
        for text in ["[", "[[", "a = [", "a = {", "\"", "'''", "a.", "= = =", "a = \"\\", "a = \"\\u12", "]]]}}}", "\u{0}\u{1}\n\r"] {
            _ = KeyLocator(text)
        }
        var seed: UInt64 = 42
        for _ in 0..<200 {
            var bytes: [UInt8] = []
            for _ in 0..<64 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                let alphabet = Array("[]{}\"'\\=.,#\n ab1".utf8)
                bytes.append(alphabet[Int(seed >> 33) % alphabet.count])
            }
            _ = KeyLocator(String(decoding: bytes, as: UTF8.self))
        }
    }
}

@Suite struct SuggestionTests {
    @Test func closest() {
        #expect(Suggestion.closest(to: "prot", among: ["domain", "port", "host"]) == "port")
        #expect(Suggestion.closest(to: "secert", among: ["secret", "secret_file"]) == "secret")
        #expect(Suggestion.closest(to: "keepAliveSeconds", among: ["keepalive_seconds"]) == "keepalive_seconds")
        #expect(Suggestion.closest(to: "xyz", among: ["port"]) == nil)
        #expect(Suggestion.closest(to: "", among: ["port"]) == nil)
        // An abbreviation finds the word it starts.
        #expect(Suggestion.closest(to: "warn", among: ["info", "warning", "error"]) == "warning")
        #expect(Suggestion.closest(to: "w", among: ["warning"]) == nil)
    }

    @Test func quoted() {
        #expect(Suggestion.quoted("a\"b\\c\u{7}") == "\"a\\\"b\\\\c\\u{7}\"")
        #expect(Suggestion.quoted(String(repeating: "x", count: 100)).count == 83)
    }
}
