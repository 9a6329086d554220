import ArgumentParser
import Foundation
import XMLStream
import XMPPCore

/// `muc-bench selftest`: checks the bench's byte scanner against the real XML parser, so the
/// shortcut on the receive path can be trusted, and that the echo component reflects a message
/// as the service does (there is no test target for an executable).
struct SelfTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check the bench's stream splitter and stanza reader against libxml2 on tricky input, in random chunks, and the echo's reflections against the service's.")

    @Option(help: "Random chunkings to try.")
    var rounds = 200

    func run() throws {
        var failures: [String] = []
        let header = ComponentStream.header(from: "x", id: "abc")
        let stanzas = [
            "<message from='room0@muc/nick3' to='user12@load/r' type='groupchat' id='m3-7'><body>B3.7.123.xxxx</body></message>",
            "<presence to=\"user4@load/r\" from=\"room0@muc/nick4\"><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/><status code=\"110\"/><status code='201'/></x></presence>",
            "<message to='user1@l/r' from='r@m/a&gt;b' type='groupchat'><body>a &lt; b &amp;&amp; c > d</body><x xmlns='urn:x' attr='has > and &apos; inside'/></message>",
            "<iq type='result' id='cfg0' from='room0@muc' to='user0@load/r'/>",
            "<presence type='unavailable' from='room0@muc/nick9' to='user9@load/r'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='110'/></x></presence>",
            "<message><body><![CDATA[ <not a tag> ]]></body></message>",
        ]
        let stream = Array((header + " \n" + stanzas.joined(separator: "  ") + " " + ComponentStream.end).utf8)

        // Reference: the real parser.
        var expected: [Element] = []
        let parser = XMLStreamParser()
        for event in try parser.feed(stream) {
            if case .stanza(let e) = event { expected.append(e) }
        }
        guard expected.count == stanzas.count else {
            throw ValidationError("reference parser found \(expected.count) stanzas, expected \(stanzas.count)")
        }

        var generator = SystemRandomNumberGenerator()
        for round in 0..<rounds {
            let scanner = StreamScanner()
            var found: [String] = []
            var headers = 0
            var ends = 0
            var i = 0
            while i < stream.count {
                let n = round == 0 ? 1 : Int.random(in: 1...64, using: &generator)
                let slice = Array(stream[i..<min(stream.count, i + n)])
                try slice.withUnsafeBytes { buffer in
                    try scanner.feed(buffer) { event, bytes in
                        switch event {
                        case .header: headers += 1
                        case .stanza: found.append(String(decoding: bytes, as: UTF8.self))
                        case .end: ends += 1
                        }
                    }
                }
                i += n
            }
            if found != stanzas || headers != 1 || ends != 1 {
                failures.append("round \(round): \(found.count) stanzas, \(headers) headers, \(ends) ends")
            }
        }

        // The attribute reader on each stanza, against the parsed elements.
        for (text, element) in zip(stanzas, expected) {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBytes { buffer in
                let raw = RawStanza(buffer)
                for name in ["to", "from", "type", "id"] {
                    let got: String?
                    switch name {
                    case "to": got = raw.string(raw.to)
                    case "from": got = raw.string(raw.from)
                    case "type": got = raw.string(raw.type)
                    default: got = raw.string(raw.id)
                    }
                    // The raw reader returns escaped text; the fixtures' to/from/type/id are escaped only in one place.
                    let want = element.attribute(name).map { $0.replacingOccurrences(of: ">", with: "&gt;") }
                    if got != want { failures.append("attribute \(name) of \(element.name): got \(got ?? "nil"), want \(want ?? "nil")") }
                }
            }
        }
        let statusBytes = Array(stanzas[1].utf8)
        statusBytes.withUnsafeBytes { buffer in
            let raw = RawStanza(buffer)
            if !raw.hasStatus("code='110'", "code=\"110\"") || !raw.hasStatus("code='201'", "code=\"201\"") {
                failures.append("status codes not found")
            }
            if raw.number(in: raw.to, after: "user") != 4 || raw.resourceNumber(in: raw.from, after: "nick") != 4 {
                failures.append("user or nick number not read")
            }
        }

        // The echo's reflections against the service's (the ceiling must send the same stanzas).
        failures += try EchoParity.check()

        if failures.isEmpty {
            print("selftest: \(rounds) chunkings, \(stanzas.count) stanzas, echo parity: 1 passed, 0 failed")
        } else {
            for f in failures.prefix(20) { print("FAIL \(f)") }
            print("selftest: 0 passed, 1 failed")
            throw ExitCode(1)
        }
    }
}
