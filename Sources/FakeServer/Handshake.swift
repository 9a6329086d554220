import ComponentHandshake

extension FakeServer {
    /// XEP-0114 §3: the handshake value (public for raw test components and benchmarks).
    public static func handshakeDigest(streamID: String, secret: String) -> String {
        componentHandshakeDigest(streamID: streamID, secret: secret)
    }
}

extension String {
    /// The string without leading and trailing ASCII whitespace.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first ... last])
    }
}
