import Component
import NIOCore
import XMLStream
import XMPPCore

/// Checks that the echo component reflects a groupchat message as the service does: the same
/// elements and attributes (ids aside, whose values differ but not their lengths) and the same
/// number of bytes per delivery. "Ours / echo" behind a server compares what the server spends
/// routing the two components' output, so an echo that sent shorter stanzas would make a ceiling
/// the service cannot reach (it did: see docs/performance.md, "Counting Prosody's instructions").
enum EchoParity {
    static let header = ComponentStream.header(from: "x", id: "abc")

    /// The same input for both, as a server would deliver it: a room created and configured by
    /// user0, joined by user1, then a message from user0 with an id and a language.
    static let setup = [
        "<presence from='user0@load.localhost/r' to='room0@conference.localhost/nick0' id='j0'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>",
        "<iq type='set' from='user0@load.localhost/r' to='room0@conference.localhost' id='cfg0'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>",
        "<presence from='user1@load.localhost/r' to='room0@conference.localhost/nick1' id='j1'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>",
    ]
    static let message = "<message type='groupchat' to='room0@conference.localhost' from='user0@load.localhost/r' id='m0-1' xml:lang='en'><body>B0.1.123456.xxxxxxxxxxxxxxxx</body></message>"

    /// Problems found (empty when the echo matches the service).
    static func check() throws -> [String] {
        let ours = try serviceOutput()
        let echo = echoOutput()
        let oursMessages = try messages(in: ours)
        let echoMessages = try messages(in: echo)
        guard oursMessages.count == 2, echoMessages.count == 2 else {
            return ["echo parity: \(oursMessages.count) reflections from the service and \(echoMessages.count) from the echo, expected 2 each"]
        }
        var problems: [String] = []
        for (o, e) in zip(oursMessages, echoMessages) {
            if o.bytes != e.bytes {
                problems.append("echo parity: a reflection is \(o.bytes) bytes from the service and \(e.bytes) from the echo")
            }
            if normalized(o.element) != normalized(e.element) {
                problems.append("echo parity: the reflections differ:\n  service \(Serializer.string(o.element))\n  echo    \(Serializer.string(e.element))")
            }
        }
        return problems
    }

    private static func serviceOutput() throws -> [UInt8] {
        let service = InProcessService(configuration: MachineCommand.serviceConfiguration, secret: "bench-secret")
        let parser = XMLStreamParser()
        _ = try parser.feed(Array(header.utf8))
        func process(_ text: String) throws {
            for event in try parser.feed(Array(text.utf8)) {
                if case .stanza(let element) = event { service.process(element, now: 1_800_000_000) }
            }
        }
        for text in setup { try process(text) }
        while service.take() != nil {}
        try process(message)
        var out: [UInt8] = []
        while var chunk = service.take() { out += chunk.readBytes(length: chunk.readableBytes) ?? [] }
        return out
    }

    private static func echoOutput() -> [UInt8] {
        let echo = EchoComponent()
        echo.addIDs = true
        let link = XMPPLink(role: .connector(domain: "conference.localhost", secret: "s"), validateXML: false)
        echo.attach(link)
        func feed(_ text: String) {
            Array(text.utf8).withUnsafeBytes { echo.link(link, received: RawStanza($0), now: 0) }
        }
        for text in setup { feed(text) }
        link.out.clear()
        feed(message)
        return link.out.readBytes(length: link.out.readableBytes) ?? []
    }

    /// The groupchat messages in `bytes` with the size of each as written, in order.
    private static func messages(in bytes: [UInt8]) throws -> [(element: Element, bytes: Int)] {
        let scanner = StreamScanner()
        var sizes: [Int] = []
        let stream = Array(header.utf8) + bytes
        try stream.withUnsafeBytes { buffer in
            try scanner.feed(buffer) { event, raw in
                if case .stanza = event, RawStanza(raw).kind == .message { sizes.append(raw.count) }
            }
        }
        var elements: [Element] = []
        for event in try XMLStreamParser().feed(stream) {
            if case .stanza(let e) = event, e.name == "message" { elements.append(e) }
        }
        guard elements.count == sizes.count else { return [] }
        return Array(zip(elements, sizes)).map { (element: $0.0, bytes: $0.1) }
    }

    /// Attributes in name order (the service keeps the sender's order, which differs between
    /// servers and costs them nothing measurable) and the values of generated ids blanked.
    private static func normalized(_ element: Element) -> Element {
        var e = element
        let isID = element.name == "occupant-id" || element.name == "stanza-id"
        e.attributes = element.attributes
            .map { isID && $0.name == "id" ? Attribute(name: $0.name, namespace: $0.namespace, value: "") : $0 }
            .sorted { ($0.namespace ?? "", $0.name) < ($1.namespace ?? "", $1.name) }
        e.children = element.children.map {
            switch $0 {
            case .element(let child): .element(normalized(child))
            case .text(let text): .text(text)
            }
        }
        return e
    }
}
