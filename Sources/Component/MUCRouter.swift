import Logging
import MUCConfig
import XMPPCore

/// Interim processor until the room machine lands: answers disco#info for the service domain and
/// refuses everything else with `service-unavailable`.
final class MUCRouter: StanzaProcessor {
    let domain: String
    let name: String
    let logger: Logger

    init(configuration: Configuration, logger: Logger) {
        self.domain = configuration.component.domain
        self.name = configuration.service.name
        self.logger = logger
    }

    func process(_ element: Element, now: Double, out: Outbox) {
        guard element.attribute("type") != "error", element.attribute("type") != "result" else { return }
        if element.name == "iq", element.attribute("to") == domain, element.attribute("type") == "get",
           let q = element.elements.first, q.name == "query", q.namespace == NS.discoInfo {
            var query = Element("query", namespace: NS.discoInfo)
            query.append(Element("identity", namespace: NS.discoInfo, attrs: ["category": "conference", "type": "text", "name": name]))
            for f in [NS.discoInfo, NS.discoItems, NS.muc] {
                query.append(Element("feature", namespace: NS.discoInfo, attrs: ["var": f]))
            }
            out.send(element.iqResult(query))
            return
        }
        if element.name == "presence" && element.attribute("type") == "unavailable" { return }
        out.send(element.errorReply(StanzaError(.serviceUnavailable)))
    }
}
