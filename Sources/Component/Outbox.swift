import NIOCore
import XMPPCore

/// Where stanzas for the server are written: serialized into one buffer that the link writes and
/// flushes once per event-loop turn (coalescing the N deliveries of a broadcast into one write).
///
/// Output comes in chunks of at most about `chunkSize`: one stanza can make megabytes (a join into
/// a full-presence room of 1 000 makes ~600 KB), and a buffer that grows to that size is both a
/// peak of memory and, above glibc's mmap threshold (128 KiB, raised after each large free), an
/// allocation the process keeps. With a `spill` handler, a full chunk is handed over as soon as
/// it is full (between two stanzas) and the next one starts small; chunks stay below the
/// threshold and are reused from the heap's free lists.
public final class Outbox {
    var buffer: ByteBuffer
    /// Stanzas written since the last `take()` (spilled chunks included).
    public private(set) var stanzaCount = 0
    /// Bytes above which the current chunk is handed to `spill`. A buffer that reaches it has a
    /// capacity of 64 KiB (ByteBuffer grows in powers of two), so a stanza of up to 16 KiB still fits.
    static let chunkSize = 48 * 1024
    /// Takes each full chunk (the link writes and flushes it); without one, the buffer grows
    /// until `take()`.
    var spill: ((ByteBuffer) -> Void)?

    /// In recording mode each stanza is also kept on its own (for the queue used while disconnected).
    let recording: Bool
    private(set) var recorded: [[UInt8]] = []

    init(allocator: ByteBufferAllocator, recording: Bool = false) {
        buffer = allocator.buffer(capacity: recording ? 0 : 4096)
        self.recording = recording
    }

    /// Writes one stanza (its `to` must be set).
    public func send(_ element: Element) {
        scratch.removeAll(keepingCapacity: true)
        Serializer.write(element, into: &scratch)
        send(bytes: scratch)
    }

    /// Reused for each stanza serialized by `send(_:)` (no allocation per stanza).
    private var scratch: [UInt8] = {
        var a: [UInt8] = []
        a.reserveCapacity(1024)
        return a
    }()

    /// Writes already-serialized bytes of one stanza.
    public func send(bytes: [UInt8]) {
        if recording { recorded.append(bytes); stanzaCount += 1; return }
        buffer.writeBytes(bytes)
        stanzaCount += 1
        spillIfFull()
    }

    /// Hands the current chunk over once it is full (see the type's comment).
    @inline(__always)
    private func spillIfFull() {
        guard buffer.readableBytes >= Self.chunkSize, let spill else { return }
        let full = buffer
        buffer = ByteBufferAllocator().buffer(capacity: 4096)
        spill(full)
    }

    /// Writes the same stanza to each recipient; it is serialized once and only `to` differs.
    public func broadcast(_ element: Element, to recipients: [JID]) {
        guard !recipients.isEmpty else { return }
        let encoder = BroadcastEncoder(element)
        if recording {
            for r in recipients {
                var one: [UInt8] = []
                encoder.write(to: r.description, into: &one)
                recorded.append(one)
            }
            stanzaCount += recipients.count
            return
        }
        for r in recipients {
            encoder.write(to: r, into: &buffer)
            spillIfFull()
        }
        stanzaCount += recipients.count
    }

    /// Takes what was written so far.
    func take() -> ByteBuffer? {
        // Reset even when nothing is left: the stanzas may all have been spilled.
        stanzaCount = 0
        guard buffer.readableBytes > 0 else { return nil }
        let out = buffer
        buffer.clear()
        // `clear` keeps the storage shared with `out` until the next write copies it; start fresh instead.
        buffer = ByteBufferAllocator().buffer(capacity: 4096)
        return out
    }
}
