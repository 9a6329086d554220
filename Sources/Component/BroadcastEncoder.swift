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

    /// Appends the stanza addressed to `to`.
    public func write(to: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: head)
        buffer.append(contentsOf: " to='".utf8)
        Serializer.appendEscaped(to, &buffer, attribute: true)
        buffer.append(UInt8(ascii: "'"))
        buffer.append(contentsOf: tail)
    }
}
