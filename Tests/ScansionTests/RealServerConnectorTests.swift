import ScansionCore
import Foundation
import Scansion
import Testing
import XMPPCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-connection XMPP "server" on a loopback socket that plays a fixed dialogue: for each step it
/// waits until the client has sent `expect` (a substring, searched after the previous match), then
/// writes `reply`. It records everything the client sent. Blocking socket calls run on a thread of
/// their own, with bounded waits.
final class ScriptedC2SServer: @unchecked Sendable {
    struct Step {
        var expect: String?
        var reply: String
        var closeAfter = false
    }

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var receivedBytes: [UInt8] = []
    private var failureText: String?
    private let done = DispatchSemaphore(value: 0)
    private let steps: [Step]

    init(_ steps: [Step]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                guard bind(fd, p, length) == 0, listen(fd, 1) == 0 else { return -1 }
                return getsockname(fd, p, &length)
            }
        }
        guard bound == 0 else {
            close(fd)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        self.steps = steps
    }

    /// Starts playing the dialogue on a thread of its own.
    func start() -> Self {
        let thread = Thread { [self] in
            play(steps)
            done.signal()
        }
        thread.start()
        return self
    }

    deinit { close(listener) }

    /// What the client sent, as text.
    var received: String { lock.withLock { String(decoding: receivedBytes, as: UTF8.self) } }
    /// Why the dialogue stopped early, if it did.
    var failure: String? { lock.withLock { failureText } }

    /// Waits (bounded) until the dialogue is over.
    func finish() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { [self] in
                _ = done.wait(timeout: .now() + 10)
                c.resume()
            }
        }
    }

    private func play(_ steps: [Step]) {
        var pollFD = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&pollFD, 1, 10_000) == 1 else { return fail("no client connected") }
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { return fail("accept failed") }
        defer { close(fd) }
        var searchFrom = 0
        for step in steps {
            if let expect = step.expect {
                let deadline = Date().addingTimeInterval(5)
                while true {
                    let text = received
                    let start = text.utf8.index(text.utf8.startIndex, offsetBy: min(searchFrom, text.utf8.count))
                    if let range = text[start...].range(of: expect) {
                        searchFrom = text.utf8.distance(from: text.utf8.startIndex, to: range.upperBound)
                        break
                    }
                    guard Date() < deadline, readSome(fd) else { return fail("never received \(expect)") }
                }
            }
            let bytes = Array(step.reply.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return fail("write failed") }
                offset += n
            }
            if step.closeAfter { return }
        }
        // Keep the connection until the client closes it, so its close is observed.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, readSome(fd) {}
    }

    /// Reads what is available within 100 ms; false once the client closed the connection.
    private func readSome(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 100) == 1 else { return true }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return false }
        lock.withLock { receivedBytes += chunk[..<n] }
        return true
    }

    private func fail(_ why: String) {
        lock.withLock { if failureText == nil { failureText = why } }
    }
}

/// Collects what a client receives.
final class StanzaBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []
    func add(_ e: Element) { lock.withLock { items.append(e) } }
    var all: [Element] { lock.withLock { items } }

    func waitForCount(_ n: Int) async -> [Element] {
        for _ in 0..<100 {
            let now = all
            if now.count >= n { return now }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return all
    }
}

/// The real-server client mode (`RealServerConnector`) against a scripted c2s dialogue: the log-in
/// steps a real server expects, in order, and the failures it reports.
@Suite(.timeLimit(.minutes(3))) struct RealServerConnectorTests {
    static let header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='localhost' version='1.0' xml:lang='en'>"
    static let plainFeatures = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
    /// base64 of "\0user\0secret"
    static let plainMessage = Data("\u{0}user\u{0}secret".utf8).base64EncodedString()

    @Test func logsInBindsTheResourceEstablishesASessionAndExchangesStanzas() async throws {
        let server = try ScriptedC2SServer([
            .init(expect: "to='localhost'>", reply: Self.header + Self.plainFeatures),
            .init(expect: "\(Self.plainMessage)</auth>", reply: "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
            .init(expect: "<stream:stream", reply: Self.header
                  + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                  + "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>"),
            .init(expect: "<resource>phone</resource></bind></iq>",
                  reply: "<iq type='result' id='scansion-bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>user@localhost/phone</jid></bind></iq>"),
            .init(expect: "urn:ietf:params:xml:ns:xmpp-session", reply: "<iq type='result' id='scansion-session'/>"
                  + "<message from='room@conference.localhost' type='groupchat' xml:lang='en'><body>hi</body></message>"),
            .init(expect: "</message>", reply: ""),
            .init(expect: "</stream:stream>", reply: "</stream:stream>", closeAfter: true),
        ]).start()
        let box = StanzaBox()
        let connector = RealServerConnector(host: "127.0.0.1", port: server.port, loginTimeout: .seconds(5))
        let client = try await connector.connect(ScansionAccount(jid: "user@localhost", password: "secret", resource: "phone")) { box.add($0) }
        #expect(client.fullJID == "user@localhost/phone")

        let got = await box.waitForCount(1)
        #expect(got.count == 1)
        #expect(got.first?.name == "message")
        #expect(got.first?.namespace == NS.client)
        #expect(got.first?.childText("body", namespace: NS.client) == "hi")

        let stanza = try XMLStreamParserFragment.parse("<message to='room@conference.localhost' type='groupchat'><body>hello</body></message>")
        try await client.send(stanza)
        await client.disconnect()
        await server.finish()
        #expect(server.failure == nil)
        let sent = server.received
        // The stanza goes out unqualified: it inherits the stream's jabber:client.
        #expect(sent.contains("<message to='room@conference.localhost' type='groupchat'><body>hello</body></message>"))
        #expect(sent.contains("mechanism='PLAIN'"))
        #expect(sent.hasSuffix("</stream:stream>"))
    }

    @Test func anOptionalSessionIsSkippedAndTheServerChoosesTheResource() async throws {
        let server = try ScriptedC2SServer([
            .init(expect: "to='localhost'>", reply: Self.header + Self.plainFeatures),
            .init(expect: "</auth>", reply: "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
            .init(expect: "<stream:stream", reply: Self.header
                  + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                  + "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>"),
            .init(expect: "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>",
                  reply: "<iq type='result' id='scansion-bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>user@localhost/r4nd0m</jid></bind></iq>"),
            .init(expect: "</stream:stream>", reply: "</stream:stream>", closeAfter: true),
        ]).start()
        let connector = RealServerConnector(host: "127.0.0.1", port: server.port, loginTimeout: .seconds(5))
        let client = try await connector.connect(ScansionAccount(jid: "user@localhost", password: "secret")) { _ in }
        #expect(client.fullJID == "user@localhost/r4nd0m")
        await client.disconnect()
        await server.finish()
        #expect(server.failure == nil)
        #expect(!server.received.contains("xmpp-session"))
    }

    @Test func aRefusedPasswordIsReportedWithItsCondition() async throws {
        let server = try ScriptedC2SServer([
            .init(expect: "to='localhost'>", reply: Self.header + Self.plainFeatures),
            .init(expect: "</auth>", reply: "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text>Invalid username or password</text></failure>"),
        ]).start()
        let connector = RealServerConnector(host: "127.0.0.1", port: server.port, loginTimeout: .seconds(5))
        await #expect(throws: RealServerError.authenticationFailed(condition: "not-authorized", text: "Invalid username or password")) {
            _ = try await connector.connect(ScansionAccount(jid: "user@localhost", password: "wrong")) { _ in }
        }
        await server.finish()
    }

    @Test func requiredTLSAndMissingPlainAreExplained() async throws {
        let tls = try ScriptedC2SServer([
            .init(expect: "to='localhost'>", reply: Self.header
                  + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"),
        ]).start()
        await #expect(throws: RealServerError.tlsRequired) {
            _ = try await RealServerConnector(host: "127.0.0.1", port: tls.port).connect(ScansionAccount(jid: "user@localhost", password: "p")) { _ in }
        }
        await tls.finish()

        let scramOnly = try ScriptedC2SServer([
            .init(expect: "to='localhost'>", reply: Self.header
                  + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"),
        ]).start()
        await #expect(throws: RealServerError.noPlainMechanism(offered: ["SCRAM-SHA-1"])) {
            _ = try await RealServerConnector(host: "127.0.0.1", port: scramOnly.port).connect(ScansionAccount(jid: "user@localhost", password: "p")) { _ in }
        }
        await scramOnly.finish()
    }

    @Test func aStreamErrorDuringLogInEndsIt() async throws {
        let server = try ScriptedC2SServer([
            .init(expect: "to='localhost'>", reply: Self.header
                  + "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>", closeAfter: true),
        ]).start()
        await #expect(throws: RealServerError.streamError(condition: .hostUnknown, text: nil)) {
            _ = try await RealServerConnector(host: "127.0.0.1", port: server.port).connect(ScansionAccount(jid: "user@localhost", password: "p")) { _ in }
        }
        await server.finish()
    }

    @Test func aSilentServerTimesOutAndABadJIDIsRefused() async throws {
        let server = try ScriptedC2SServer([.init(expect: "to='localhost'>", reply: Self.header)]).start()
        await #expect(throws: RealServerError.timedOut(phase: "waiting for the server's stream features")) {
            _ = try await RealServerConnector(host: "127.0.0.1", port: server.port, loginTimeout: .milliseconds(300))
                .connect(ScansionAccount(jid: "user@localhost", password: "p")) { _ in }
        }
        await server.finish()
        await #expect(throws: RealServerError.badAccount("localhost")) {
            _ = try await RealServerConnector(host: "127.0.0.1", port: 1).connect(ScansionAccount(jid: "localhost", password: "p")) { _ in }
        }
    }

    @Test func addressesParse() {
        #expect(RealServerHarness.parseAddress("127.0.0.1:25222")! == ("127.0.0.1", 25222))
        #expect(RealServerHarness.parseAddress("[::1]:5222")! == ("::1", 5222))
        #expect(RealServerHarness.parseAddress("localhost") == nil)
        #expect(RealServerHarness.parseAddress(":5222") == nil)
        #expect(RealServerHarness.parseAddress("host:0") == nil)
    }
}

/// Parses one stanza written in `jabber:client`, as the script runner does.
enum XMLStreamParserFragment {
    static func parse(_ xml: String) throws -> Element {
        guard let first = try StanzaXML.parse(xml).first else { throw POSIXError(.EINVAL) }
        return first
    }
}
