import Crypto
import MUC
import MUCConfig
import XMPPCore

extension MUCSettings {
    /// The service settings the configuration file describes, with the keys behind occupant and
    /// stanza ids derived from the component secret.
    init(_ c: Configuration, componentSecret: String) {
        let r = c.rooms
        var room = RoomConfig()
        room.persistent = r.persistent
        room.isPublic = r.public
        room.membersOnly = r.membersOnly
        room.moderated = r.moderated
        room.whois = r.whois
        room.allowInvites = r.allowInvites
        room.allowPM = r.allowPM
        room.changeSubject = r.changeSubject
        room.maxUsers = r.maxUsers
        room.historyLength = r.historyLength
        room.presenceBroadcast = r.presenceBroadcast
        room.getMemberList = r.getMemberList
        room.language = r.language
        self.init(domain: c.component.domain,
                  name: c.service.name,
                  defaultRoomConfig: room,
                  maxOccupantsLimit: c.limits.maxOccupantsPerRoom,
                  maxHistoryLimit: c.limits.maxHistoryMessages,
                  admins: Set(c.service.admins.compactMap { try? BareJID($0) }),
                  allowUnaffiliatedRegistration: c.service.allowUnaffiliatedRegistration,
                  roomCreation: c.service.roomCreation,
                  registrationApproval: c.service.registrationApproval)
        self.maxRooms = c.limits.maxRooms
        self.adminsAreOwners = c.service.adminsAreOwners
        self.archive = ArchiveSettings(enabled: c.archive.enabled, byDefault: c.archive.default,
                                       defaultPageSize: c.archive.pageSize, maxPageSize: c.archive.maxPageSize)
        let idSecret = Self.idSecret(componentSecret: componentSecret)
        self.idSecret = idSecret
        self.instanceID = Self.randomInstanceID()
        // Every join and groupchat message computes one id: key the HMAC once, copy its state per use.
        let keyed = HMAC<SHA256>(key: SymmetricKey(data: idSecret))
        self.keyedHash = { key, message in
            guard key == idSecret else {
                return Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
            }
            var h = keyed
            h.update(data: message)
            return Array(h.finalize())
        }
    }

    /// Occupant ids (XEP-0421) must be stable across restarts and not reversible: key them with a
    /// value derived from the component secret, which only this service and the XMPP server know.
    static func idSecret(componentSecret: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array("muc-component occupant-id v1".utf8),
                                              using: SymmetricKey(data: Array(componentSecret.utf8))))
    }

    /// Distinguishes this run's stanza ids (XEP-0359) from those of earlier runs.
    static func randomInstanceID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 36)
    }
}
