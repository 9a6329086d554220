import MUCConfig
import NIOCore
import Testing
@testable import Component
import XMLStream
import XMPPCore

/// `InProcessService` (behind `muc-bench machine`): the production router without a network
/// writes exactly what the service would send.
@Suite struct InProcessServiceTests {
    @Test func joinsAndAMessageProduceTheServicesOutput() throws {
        var configuration = Configuration()
        configuration.component.domain = "conference.localhost"
        configuration.storage.backend = .memory
        let service = InProcessService(configuration: configuration, secret: "s")
        let now = 1_800_000_000.0
        func stanzas() throws -> [Element] {
            guard var bytes = service.take() else { return [] }
            let text = bytes.readString(length: bytes.readableBytes) ?? ""
            return try XMLStreamParser.parseFragment(text, defaultNamespace: NS.component)
        }
        func presence(_ user: String, _ nick: String) -> Element {
            Element("presence", namespace: NS.component, attrs: ["from": "\(user)@localhost/r", "to": "room@conference.localhost/\(nick)"],
                    children: [Element("x", namespace: NS.muc)])
        }

        service.process(presence("romeo", "Romeo"), now: now)
        #expect(service.pendingStanzas == 2, "self-presence with 201, then the subject")
        let created = try stanzas()
        #expect(created.first?.name == "presence")
        #expect(created.last?.name == "message")

        let form = Element("x", namespace: NS.dataForms, attrs: ["type": "submit"])
        service.process(Element("iq", namespace: NS.component, attrs: ["type": "set", "id": "c", "from": "romeo@localhost/r", "to": "room@conference.localhost"],
                                children: [Element("query", namespace: NS.mucOwner, attrs: [:], children: [form])]), now: now)
        #expect(try stanzas().map { $0.attribute("type") } == ["result"])

        service.process(presence("juliet", "Juliet"), now: now)
        // Juliet: Romeo's presence, her own, the subject; Romeo: Juliet's presence.
        #expect(try stanzas().map { $0.attribute("to") ?? "" }.sorted()
                == ["juliet@localhost/r", "juliet@localhost/r", "juliet@localhost/r", "romeo@localhost/r"])

        service.process(Element("message", namespace: NS.component, attrs: ["type": "groupchat", "from": "juliet@localhost/r", "to": "room@conference.localhost"],
                                children: [.text("body", namespace: NS.component, "hi")]), now: now)
        let delivered = try stanzas()
        #expect(delivered.map { $0.attribute("to") ?? "" } == ["romeo@localhost/r", "juliet@localhost/r"])
        #expect(delivered.allSatisfy { $0.attribute("from") == "room@conference.localhost/Juliet" && $0.childText("body", namespace: NS.component) == "hi" })
        #expect(service.take() == nil)
    }
}
