import Logging
import MUC
import MUCConfig
import XMPPCore

/// The production processor: hands each stanza from the server to the MUC service machine and
/// carries out the actions it returns, in order.
final class MUCRouter: StanzaProcessor {
    private(set) var service: MUCService
    let domain: String
    let logger: Logger

    init(configuration: Configuration, logger: Logger) {
        self.service = MUCService(settings: MUCSettings(configuration))
        self.domain = configuration.component.domain
        self.logger = logger
    }

    func process(_ element: Element, now: Double, out: Outbox) {
        let stanza: Stanza
        do {
            stanza = try Stanza(element)
        } catch {
            refuseUnparsable(element, error, out: out)
            return
        }
        perform(service.handle(stanza, now: now), out: out)
    }

    func perform(_ actions: [MUCAction], out: Outbox) {
        for action in actions {
            switch action {
            case .send(let element):
                out.send(element)
            case .broadcast(let element, let recipients):
                out.broadcast(element, to: recipients.map(\.description))
            case .persist(_, let then):
                // Durable storage is carried out by the store once it is configured; until then rooms live in memory.
                perform(then, out: out)
            case .deleteRoom(_, let then):
                perform(then, out: out)
            }
        }
    }

    /// A stanza whose `to` or `from` is not a JID: answer with `jid-malformed` when a reply can be addressed.
    private func refuseUnparsable(_ element: Element, _ error: StanzaParseError, out: Outbox) {
        logger.debug("refusing a stanza with a malformed address: \(error)")
        guard element.attribute("type") != "error", element.attribute("type") != "result",
              let from = element.attribute("from"), (try? JID(from)) != nil else { return }
        var reply = element.errorReply(StanzaError(.jidMalformed))
        // The reply must come from inside our domain (servers close the stream otherwise).
        if case .badAddress(let attribute, _) = error, attribute == "to" { reply.setAttribute("from", domain) }
        out.send(reply)
    }
}

extension MUCSettings {
    /// The service settings the configuration file describes.
    init(_ c: Configuration) {
        let r = c.rooms
        var room = RoomConfig()
        room.persistent = r.persistent
        room.isPublic = r.public
        room.membersOnly = r.membersOnly
        room.moderated = r.moderated
        room.whois = Whois(rawValue: r.whois) ?? .moderators
        room.allowInvites = r.allowInvites
        room.allowPM = AllowPM(rawValue: r.allowPM) ?? .anyone
        room.changeSubject = r.changeSubject
        room.maxUsers = r.maxUsers
        room.historyLength = r.historyLength
        room.presenceBroadcast = Set(r.presenceBroadcast.compactMap(Role.init(rawValue:)))
        room.getMemberList = Set(r.getMemberList.compactMap(Role.init(rawValue:)))
        room.language = r.language
        let policy: RoomCreationPolicy
        switch c.service.roomCreation {
        case "local": policy = .localUsers
        case "admins": policy = .adminsOnly
        default: policy = .anyone
        }
        self.init(domain: c.component.domain,
                  name: c.service.name,
                  defaultRoomConfig: room,
                  maxOccupantsLimit: c.limits.maxOccupantsPerRoom,
                  maxHistoryLimit: c.limits.maxHistoryMessages,
                  admins: Set(c.service.admins.compactMap { try? BareJID($0) }),
                  allowUnaffiliatedRegistration: c.service.allowUnaffiliatedRegistration,
                  roomCreation: policy)
    }
}
