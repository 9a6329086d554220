import NIOCore
import Testing
@testable import Component
import XMPPCore

/// The outbox hands its output over in chunks of bounded size (a join into a big room makes
/// megabytes), without changing a byte of it.
@Suite struct OutboxTests {
    let presence = Element("presence", namespace: NS.component, attrs: ["from": "room@conference.localhost/nick"],
                           children: [Element("x", namespace: NS.mucUser, attrs: [:],
                                              children: [Element("item", namespace: NS.mucUser, attrs: ["affiliation": "none", "role": "participant"])])])
    var recipients: [JID] { (0..<3000).map { try! JID("user\($0)@localhost/r") } }

    /// What the outbox writes for a broadcast and then one more stanza, as one byte string.
    func output(spilling: Bool) -> (bytes: [UInt8], chunks: [ByteBuffer], count: Int) {
        let out = Outbox(allocator: ByteBufferAllocator())
        var chunks: [ByteBuffer] = []
        if spilling { out.spill = { chunks.append($0) } }
        out.broadcast(presence, to: recipients)
        var last = presence
        last.setAttribute("to", "romeo@localhost/r")
        out.send(last)
        let count = out.stanzaCount
        var bytes: [UInt8] = []
        for var c in chunks + [out.take()].compactMap({ $0 }) { bytes += c.readBytes(length: c.readableBytes) ?? [] }
        #expect(out.stanzaCount == 0)
        return (bytes, chunks, count)
    }

    @Test func bigOutputIsSpilledInChunksWithTheSameBytes() {
        let whole = output(spilling: false)
        let chunked = output(spilling: true)
        #expect(whole.chunks.isEmpty)
        #expect(chunked.bytes == whole.bytes)
        #expect(chunked.count == 3001 && whole.count == 3001)
        // ~3000 × 150 bytes: several chunks, each handed over once it passed the chunk size, never
        // grown beyond 64 KiB (below glibc's mmap threshold).
        #expect(chunked.chunks.count >= 5)
        for c in chunked.chunks {
            #expect(c.readableBytes >= Outbox.chunkSize)
            #expect(c.capacity <= 64 * 1024)
        }
    }

    @Test func takeForgetsSpilledStanzasEvenWhenNothingIsLeft() {
        let out = Outbox(allocator: ByteBufferAllocator())
        var spilled = 0
        out.spill = { spilled += $0.readableBytes }
        // Exactly one chunk's worth: the last stanza spills and leaves the buffer empty.
        let stanza = [UInt8](repeating: UInt8(ascii: "x"), count: Outbox.chunkSize / 4)
        for _ in 0..<4 { out.send(bytes: stanza) }
        #expect(spilled == Outbox.chunkSize)
        #expect(out.stanzaCount == 4)
        #expect(out.take() == nil)
        #expect(out.stanzaCount == 0)
    }
}
