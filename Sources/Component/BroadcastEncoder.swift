import NIOCore
import XMPPCore

/// Serializes a stanza once and writes it to many recipients with only `to` differing: the hot
/// path of a groupchat message to N occupants.
public struct BroadcastEncoder {
    /// Bytes up to and including the element name (`<message`).
    private let head: [UInt8]
    /// Everything after the name: the other attributes, children and end tag.
    private let tail: [UInt8]

    /// Prepares `stanza` (any `to` it carries is ignored).
    public init(_ stanza: Element) {
        var e = stanza
        e.setAttribute("to", nil)
        let bytes = Serializer.bytes(e)
        let split = 1 + e.name.utf8.count
        head = Array(bytes[..<split])
        tail = Array(bytes[split...])
    }

    /// Appends the stanza addressed to `to`, straight into the output buffer: the hot path writes
    /// the JID's parts without building its string (only the resource can hold characters that
    /// need escaping; RFC 7622 forbids them in the localpart and domain).
    public func write(to: JID, into buffer: inout ByteBuffer) {
        buffer.writeBytes(head)
        buffer.writeStaticString(" to='")
        if let local = to.localpart {
            buffer.writeString(local)
            buffer.writeInteger(UInt8(ascii: "@"))
        }
        buffer.writeString(to.domain)
        if let resource = to.resource {
            buffer.writeInteger(UInt8(ascii: "/"))
            if resource.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x27 || $0 == 0x22 || $0 < 0x20 }) {
                var escaped: [UInt8] = []
                Serializer.appendEscaped(resource, &escaped, attribute: true)
                buffer.writeBytes(escaped)
            } else {
                buffer.writeString(resource)
            }
        }
        buffer.writeInteger(UInt8(ascii: "'"))
        buffer.writeBytes(tail)
    }

    /// Appends the stanza addressed to `to`.
    public func write(to: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: head)
        buffer.append(contentsOf: " to='".utf8)
        Serializer.appendEscaped(to, &buffer, attribute: true)
        buffer.append(UInt8(ascii: "'"))
        buffer.append(contentsOf: tail)
    }
}
