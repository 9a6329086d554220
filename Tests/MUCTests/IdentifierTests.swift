import Testing
import XMPPCore
@testable import MUC

/// The plain-Swift hash behind occupant ids and stanza ids, and the ids themselves.
@Suite struct IdentifierTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256Vectors(_ input: String, _ digest: String) {
        #expect(Hex.encode(SHA256.digest(Array(input.utf8))) == digest)
    }

    @Test func sha256InPiecesEqualsInOne() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var s = SHA256()
        for chunk in stride(from: 0, to: data.count, by: 37) { s.update(Array(data[chunk..<min(chunk + 37, data.count)])) }
        #expect(s.finish() == SHA256.digest(data))
    }

    /// RFC 4231 test cases 1, 2 and 6 (a key longer than a block).
    @Test func hmacVectors() {
        #expect(Hex.encode(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(Hex.encode(HMACSHA256.authenticationCode(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(Hex.encode(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0xaa, count: 131),
                                                         message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func base64URL() {
        #expect(Base64URL.encode(Array("f".utf8)) == "Zg")
        #expect(Base64URL.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
    }

    /// XEP-0421 §5: stable, unique per user and room, and not the JID.
    @Test func occupantIDsAreStableDistinctAndOpaque() throws {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let many = MUCSettings(domain: "conference.localhost", idSecret: Array("0123456789abcdef".utf8))
        let ids = try (0..<2000).map { many.occupantID(room: try BareJID(People.room), user: try BareJID("user\($0)@example.org")) }
        #expect(Set(ids).count == 2000)
        #expect(ids.allSatisfy { $0.utf8.count == 15 && $0.allSatisfy(alphabet.contains) })
        let s = MUCSettings(domain: "conference.localhost", idSecret: Array("0123456789abcdef".utf8))
        let room = try BareJID(People.room), other = try BareJID("other@conference.localhost")
        let romeo = try BareJID(People.romeoBare), juliet = try BareJID(People.julietBare)
        let id = s.occupantID(room: room, user: romeo)
        // 11 bytes of the hash in base64url: 15 UTF-8 bytes, the most a Swift string holds
        // without an allocation (every occupant keeps its id).
        #expect(id.utf8.count == 15)
        #expect(id == s.occupantID(room: room, user: romeo))
        #expect(id != s.occupantID(room: other, user: romeo))
        #expect(id != s.occupantID(room: room, user: juliet))
        #expect(id != MUCSettings(domain: "conference.localhost", idSecret: Array("another secret".utf8)).occupantID(room: room, user: romeo))
        #expect(!id.contains("user"))
        // An injected keyed hash is used (the runtime may pass a faster one).
        let fixed = MUCSettings(domain: "conference.localhost", keyedHash: { _, _ in [UInt8](repeating: 0, count: 32) })
        #expect(fixed.occupantID(room: room, user: romeo) == "AAAAAAAAAAAAAAA")
    }

    /// XEP-0359: unique for each message, run and room instance; deterministic given the inputs.
    @Test func stanzaIDsAreUniqueAndDeterministic() throws {
        let room = try BareJID(People.room)
        let a = MUCSettings(domain: "conference.localhost", idSecret: [1, 2, 3], instanceID: "run-1")
        let b = MUCSettings(domain: "conference.localhost", idSecret: [1, 2, 3], instanceID: "run-2")
        let ids = Set((1...200).map { a.stanzaID(room: room, serial: 1, counter: UInt64($0), now: 5) })
        #expect(ids.count == 200)
        #expect(a.stanzaID(room: room, serial: 1, counter: 1, now: 5) == a.stanzaID(room: room, serial: 1, counter: 1, now: 5))
        #expect(a.stanzaID(room: room, serial: 1, counter: 1, now: 5) != b.stanzaID(room: room, serial: 1, counter: 1, now: 5))
        #expect(a.stanzaID(room: room, serial: 1, counter: 1, now: 5) != a.stanzaID(room: room, serial: 2, counter: 1, now: 5))
        #expect(a.stanzaID(room: room, serial: 1, counter: 1, now: 5) != a.stanzaID(room: room, serial: 1, counter: 1, now: 6))
    }
}
