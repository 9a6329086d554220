import NIOCore

/// Stanzas of the simulated users, written straight into the output buffer (no element trees).
extension LoadEngine {
    @inline(__always)
    private func writeUser(_ g: Int, into out: inout ByteBuffer) {
        out.writeStaticString("user")
        out.writeDecimal(g)
        out.writeBytes(userTail)
    }

    @inline(__always)
    private func writeRoom(_ r: Int, into out: inout ByteBuffer) {
        out.writeBytes(roomHead)
        out.writeDecimal(r)
        out.writeBytes(roomTail)
    }

    /// `<presence from='userG@…/r' to='roomR@muc/nickG'><x xmlns='…muc'><history maxstanzas='0'/></x></presence>`
    func writeJoin(_ g: Int, into out: inout ByteBuffer) {
        out.writeStaticString("<presence from='")
        writeUser(g, into: &out)
        out.writeStaticString("' to='")
        writeRoom(g / O, into: &out)
        out.writeStaticString("/nick")
        out.writeDecimal(g)
        out.writeStaticString("' id='j")
        out.writeDecimal(g)
        out.writeStaticString("'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>")
    }

    /// The creator's configuration submission (§10.1.2 instant room, or the scenario's fields).
    func writeConfiguration(_ g: Int, into out: inout ByteBuffer) {
        let r = g / O
        out.writeStaticString("<iq type='set' from='")
        writeUser(g, into: &out)
        out.writeStaticString("' to='")
        writeRoom(r, into: &out)
        out.writeStaticString("' id='cfg")
        out.writeDecimal(r)
        out.writeStaticString("'>")
        out.writeBytes(formBytes)
    }

    /// A groupchat message whose body starts with the marker `B<sender>.<seq>.<stamp>.` and is
    /// padded to the payload size.
    @inline(__always)
    func writeMessage(_ g: Int, seq: Int, stamp: UInt64, into out: inout ByteBuffer) {
        out.writeStaticString("<message from='")
        writeUser(g, into: &out)
        out.writeStaticString("' to='")
        writeRoom(g / O, into: &out)
        out.writeStaticString("' type='groupchat' id='m")
        out.writeDecimal(g)
        out.writeStaticString("-")
        out.writeDecimal(seq)
        out.writeStaticString("'><body>")
        let bodyStart = out.writerIndex
        out.writeStaticString("B")
        out.writeDecimal(g)
        out.writeStaticString(".")
        out.writeDecimal(seq)
        out.writeStaticString(".")
        out.writeDecimal(stamp)
        out.writeStaticString(".")
        let used = out.writerIndex - bodyStart
        if used < padding.count { out.writeBytes(padding[used...]) }
        out.writeStaticString("</body></message>")
    }

    /// `<presence type='unavailable' from='userG@…/r' to='roomR@muc/nickG'/>`
    func writeLeave(_ g: Int, into out: inout ByteBuffer) {
        out.writeStaticString("<presence type='unavailable' from='")
        writeUser(g, into: &out)
        out.writeStaticString("' to='")
        writeRoom(g / O, into: &out)
        out.writeStaticString("/nick")
        out.writeDecimal(g)
        out.writeStaticString("'/>")
    }
}
