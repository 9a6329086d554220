/// Stanzas produced while the link to the server is down. They are held in a bounded queue and
/// sent, in order, right after the next successful handshake; when the queue is full the oldest
/// stanza is dropped and counted, so memory stays bounded however long the outage lasts.
public struct OutgoingQueue: Sendable {
    /// Most stanzas held.
    public let limit: Int
    /// Stanzas dropped because the queue was full, since start.
    public private(set) var dropped: Int = 0
    private var items: [[UInt8]] = []
    private var head = 0

    public init(limit: Int) { self.limit = max(limit, 0) }

    /// Number of stanzas waiting.
    public var count: Int { items.count - head }

    /// Holds one serialized stanza; drops the oldest when full. Returns false when something was dropped.
    @discardableResult
    public mutating func append(_ stanza: [UInt8]) -> Bool {
        guard limit > 0 else { dropped += 1; return false }
        var ok = true
        if count >= limit {
            head += 1
            dropped += 1
            ok = false
        }
        items.append(stanza)
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return ok
    }

    /// Takes every waiting stanza, oldest first.
    public mutating func drain() -> [[UInt8]] {
        let out = Array(items[head...])
        items.removeAll(keepingCapacity: false)
        head = 0
        return out
    }
}
