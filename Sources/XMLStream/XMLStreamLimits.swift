/// Bounds on what one peer can make the parser hold.
public struct XMLStreamLimits: Sendable, Equatable {
    /// The largest stanza accepted, in bytes of its serialized form (counted from the end of the
    /// previous top-level element, so a partial stanza is refused as soon as it exceeds this).
    public var maxStanzaBytes: Int
    /// The deepest nesting accepted inside a stanza; the stanza element itself is depth 1.
    public var maxDepth: Int

    public init(maxStanzaBytes: Int = 512 * 1024, maxDepth: Int = 100) {
        self.maxStanzaBytes = maxStanzaBytes
        self.maxDepth = maxDepth
    }
}
