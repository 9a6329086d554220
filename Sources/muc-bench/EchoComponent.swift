import NIOCore

/// A do-nothing MUC component: the least work a MUC domain can do for the bench's load, so that
/// the bench measures the server's routing ceiling. It keeps occupant lists and reflects; it
/// checks nothing (no affiliations, roles, configuration, history or subject).
///
/// - a presence to `room@domain/nick` joins: the joiner gets the others' presence, then its own
///   (110, and 201 when it created the room); the others get the joiner's;
/// - an unavailable presence leaves (110 to the leaver, the others are told);
/// - a groupchat message to the room is written once with `from` = the sender's occupant JID (and
///   the sender's `id` and `xml:lang`, which a MUC must respect, as the service does) and sent to
///   every occupant (sender included) with only `to` differing;
/// - any iq get/set is answered with an empty result (disco#info of the domain with a
///   conference identity).
final class EchoComponent: LinkDelegate {
    struct Occupant {
        var nick: [UInt8]
        var real: [UInt8]
    }

    final class Room {
        let address: [UInt8]
        var occupants: [Occupant] = []
        /// Real JID → index in `occupants`.
        var index: [[UInt8]: Int] = [:]

        init(address: [UInt8]) { self.address = address }

        func remove(at i: Int) {
            index[occupants[i].real] = nil
            let last = occupants.count - 1
            if i != last {
                occupants[i] = occupants[last]
                index[occupants[i].real] = i
            }
            occupants.removeLast()
        }
    }

    private(set) var link: XMPPLink?
    private var rooms: [[UInt8]: Room] = [:]
    /// Add an occupant id (XEP-0421) and a stanza id (XEP-0359) to each reflected message, as the
    /// service does, so that the ceiling is measured with stanzas of the same size and shape.
    var addIDs = false
    private var messageCounter = 0
    var onClose: ((String?) -> Void)?
    private(set) var reflected = 0

    func attach(_ link: XMPPLink) {
        self.link = link
        link.delegate = self
    }

    func linkReady(_ link: XMPPLink) {}
    func linkReadComplete(_ link: XMPPLink) {}
    func linkClosed(_ link: XMPPLink, error: String?) { onClose?(error) }

    func link(_ link: XMPPLink, received st: RawStanza, now: UInt64) {
        switch st.kind {
        case .message: message(st, link)
        case .presence: presence(st, link)
        case .iq: iq(st, link)
        case .other: break
        }
    }

    // MARK: Handlers

    private func bytes(_ st: RawStanza, _ r: Range<Int>) -> [UInt8] {
        Array(UnsafeBufferPointer(start: st.p + r.lowerBound, count: r.count))
    }

    /// Splits `to` into the room's bare JID and the nick.
    private func split(_ st: RawStanza) -> (room: [UInt8], nick: [UInt8]?)? {
        guard let to = st.to else { return nil }
        var i = to.lowerBound
        while i < to.upperBound, st.p[i] != UInt8(ascii: "/") { i += 1 }
        let room = bytes(st, to.lowerBound..<i)
        return (room, i < to.upperBound ? bytes(st, (i + 1)..<to.upperBound) : nil)
    }

    private func presence(_ st: RawStanza, _ link: XMPPLink) {
        guard let from = st.from, let (roomJID, nickOpt) = split(st), let nick = nickOpt else { return }
        let real = bytes(st, from)
        if st.type == nil {
            let created: Bool
            let room: Room
            if let r = rooms[roomJID] {
                room = r
                created = false
            } else {
                room = Room(address: roomJID)
                rooms[roomJID] = room
                created = true
            }
            if room.index[real] == nil {
                for o in room.occupants {
                    writePresence(room, nick: o.nick, to: real, unavailable: false, codes: "", into: &link.out)
                    writePresence(room, nick: nick, to: o.real, unavailable: false, codes: "", into: &link.out)
                }
                room.index[real] = room.occupants.count
                room.occupants.append(Occupant(nick: nick, real: real))
            }
            let codes: StaticString = created ? "<status code='110'/><status code='201'/>" : "<status code='110'/>"
            writePresence(room, nick: nick, to: real, unavailable: false, codes: codes, into: &link.out)
        } else if st.typeIs("unavailable") {
            guard let room = rooms[roomJID], let i = room.index[real] else { return }
            let leaving = room.occupants[i]
            room.remove(at: i)
            for o in room.occupants {
                writePresence(room, nick: leaving.nick, to: o.real, unavailable: true, codes: "", into: &link.out)
            }
            writePresence(room, nick: leaving.nick, to: real, unavailable: true, codes: "<status code='110'/>", into: &link.out)
            if room.occupants.isEmpty { rooms[roomJID] = nil }
        }
    }

    private func writePresence(_ room: Room, nick: [UInt8], to: [UInt8], unavailable: Bool, codes: StaticString, into out: inout ByteBuffer) {
        out.writeStaticString(unavailable ? "<presence type='unavailable' from='" : "<presence from='")
        out.writeBytes(room.address)
        out.writeStaticString("/")
        out.writeBytes(nick)
        out.writeStaticString("' to='")
        out.writeBytes(to)
        out.writeStaticString(unavailable
            ? "'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/>"
            : "'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/>")
        out.writeStaticString(codes)
        out.writeStaticString("</x></presence>")
    }

    private func message(_ st: RawStanza, _ link: XMPPLink) {
        guard st.typeIs("groupchat"), let from = st.from, let (roomJID, nick) = split(st), nick == nil,
              let room = rooms[roomJID], let i = room.index[bytes(st, from)] else { return }
        // Serialized once, in the service's attribute order: per recipient `<message to='…'`, then
        // ` from='room/nick' type='groupchat' id='…' xml:lang='…'` and the content.
        let head: [UInt8] = Array("<message to='".utf8)
        var tail: [UInt8] = Array("' from='".utf8)
        tail += room.address
        tail.append(UInt8(ascii: "/"))
        tail += room.occupants[i].nick
        tail += Array("' type='groupchat'".utf8)
        if let id = st.id {
            tail += Array(" id='".utf8)
            tail += bytes(st, id)
            tail.append(UInt8(ascii: "'"))
        }
        if let lang = st.lang {
            tail += Array(" xml:lang='".utf8)
            tail += bytes(st, lang)
            tail.append(UInt8(ascii: "'"))
        }
        let selfClosing = st.p[st.tagEnd - 1] == UInt8(ascii: "/")
        // The content is kept as it is; `ids` go just before the end tag.
        var endTag = st.n
        if !selfClosing {
            while endTag > st.tagEnd, st.p[endTag - 1] != UInt8(ascii: "<") { endTag -= 1 }
            endTag -= 1
        }
        if selfClosing && !addIDs {
            tail += Array("/>".utf8)
        } else {
            tail += selfClosing ? [UInt8(ascii: ">")] : bytes(st, st.tagEnd..<endTag)
            if addIDs {
                messageCounter += 1
                tail += Array("<occupant-id xmlns='urn:xmpp:occupant-id:0' id='".utf8)
                tail += Self.pseudoID(room.occupants[i].nick, length: 15)
                tail += Array("'/><stanza-id xmlns='urn:xmpp:sid:0' id='".utf8)
                tail += Self.pseudoID(Array(String(messageCounter).utf8), length: 22)
                tail += Array("' by='".utf8)
                tail += room.address
                tail += Array("'/>".utf8)
            }
            tail += selfClosing ? Array("</message>".utf8) : bytes(st, endTag..<st.n)
        }
        for o in room.occupants {
            link.out.writeBytes(head)
            link.out.writeBytes(o.real)
            link.out.writeBytes(tail)
        }
        reflected += room.occupants.count
    }

    /// An id of `length` characters derived from `seed`: the service's occupant ids have 15
    /// (11 bytes in base64url), its stanza ids 22 (16 bytes), so both send stanzas of one size.
    static func pseudoID(_ seed: [UInt8], length: Int) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var h: UInt64 = 1469598103934665603
        for b in seed { h = (h ^ UInt64(b)) &* 1099511628211 }
        var out: [UInt8] = []
        out.reserveCapacity(length)
        for _ in 0..<length {
            out.append(alphabet[Int(h & 63)])
            h = (h >> 6) | (h << 58)
            h = h &* 6364136223846793005 &+ 1442695040888963407
        }
        return out
    }

    private func iq(_ st: RawStanza, _ link: XMPPLink) {
        guard st.typeIs("get") || st.typeIs("set") else { return }
        let to = st.to.map { bytes(st, $0) } ?? []
        let from = st.from.map { bytes(st, $0) } ?? []
        let id = st.id.map { bytes(st, $0) } ?? []
        link.out.writeStaticString("<iq type='result' from='")
        link.out.writeBytes(to)
        link.out.writeStaticString("' to='")
        link.out.writeBytes(from)
        link.out.writeStaticString("' id='")
        link.out.writeBytes(id)
        if st.find("http://jabber.org/protocol/disco#info") != nil && !to.contains(UInt8(ascii: "@")) {
            link.out.writeStaticString("'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text' name='echo'/><feature var='http://jabber.org/protocol/muc'/></query></iq>")
        } else {
            link.out.writeStaticString("'/>")
        }
    }
}
