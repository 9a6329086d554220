import Crypto

extension FakeServer {
    /// XEP-0114 §3: the handshake value, lowercase hex SHA-1 of the stream id followed by the secret
    /// (public for raw test components and benchmarks).
    public static func handshakeDigest(streamID: String, secret: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((streamID + secret).utf8))
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(40)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
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
