import Crypto

/// XEP-0114 §3: the handshake value is the lowercase hex SHA-1 of the stream id followed by the secret.
public func componentHandshakeDigest(streamID: String, secret: String) -> String {
    let digest = Insecure.SHA1.hash(data: Array((streamID + secret).utf8))
    let hex: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(40)
    for byte in digest {
        out.append(hex[Int(byte >> 4)])
        out.append(hex[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
