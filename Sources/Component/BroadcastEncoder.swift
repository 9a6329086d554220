import NIOCore
import XMPPCore

/// Serializes a stanza once and writes it to many recipients with only `to` differing: the hot
/// path of a groupchat message to N occupants.
public struct BroadcastEncoder {
    /// The stanza without `to`, serialized once.
    private let bytes: [UInt8]
    /// Where `to` goes: right after the element name (`<message`); the rest is the other
    /// attributes, children and end tag.
    private let split: Int
    private var head: ArraySlice<UInt8> { bytes[..<split] }
    private var tail: ArraySlice<UInt8> { bytes[split...] }

    /// Prepares `stanza` (any `to` it carries is ignored).
    public init(_ stanza: Element) {
        var e = stanza
        e.setAttribute("to", nil)
        bytes = Serializer.bytes(e)
        split = 1 + e.name.utf8.count
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
            if Serializer.needsEscaping(resource, attribute: true) {
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
