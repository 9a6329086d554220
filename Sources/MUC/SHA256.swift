/// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) in plain Swift, so that the room machine can
/// derive occupant ids (XEP-0421) and stanza ids (XEP-0359) without Foundation or a crypto
/// library. Inputs are small (a few dozen bytes per id); the runtime may inject a faster
/// implementation through `MUCSettings.keyedHash` — the output is the same.
public enum HMACSHA256 {
    /// HMAC-SHA256 of `message` under `key` (32 bytes).
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var k = key.count > 64 ? SHA256.digest(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        var input = [UInt8]()
        input.reserveCapacity(64 + max(message.count, 32))
        for b in k { input.append(b ^ 0x36) }
        input += message
        let inner = SHA256.digest(input)
        input.removeAll(keepingCapacity: true)
        for b in k { input.append(b ^ 0x5c) }
        input += inner
        return SHA256.digest(input)
    }
}

/// SHA-256, written to allocate nothing per block (ids are derived on the groupchat hot path).
struct SHA256 {
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    /// Bytes not yet compressed (fewer than 64).
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    /// The digest of `data` in one go.
    static func digest(_ data: [UInt8]) -> [UInt8] {
        var s = SHA256()
        s.update(data)
        return s.finish()
    }

    mutating func update(_ data: [UInt8]) {
        length &+= UInt64(data.count)
        data.withUnsafeBytes { raw in
            var i = 0
            if !pending.isEmpty {
                let take = min(64 - pending.count, raw.count)
                pending += raw[0..<take]
                i = take
                guard pending.count == 64 else { return }
                pending.withUnsafeBytes { compress($0.baseAddress!) }
                pending.removeAll(keepingCapacity: true)
            }
            while i + 64 <= raw.count {
                compress(raw.baseAddress! + i)
                i += 64
            }
            if i < raw.count { pending += raw[i...] }
        }
    }

    mutating func finish() -> [UInt8] {
        let bits = length &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for s in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(s))) }
        tail.withUnsafeBytes { raw in
            var i = 0
            while i < raw.count { compress(raw.baseAddress! + i); i += 64 }
        }
        pending.removeAll()
        var out = [UInt8](repeating: 0, count: 32)
        let words = [h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7]
        for (i, word) in words.enumerated() {
            out[4 * i] = UInt8(truncatingIfNeeded: word >> 24)
            out[4 * i + 1] = UInt8(truncatingIfNeeded: word >> 16)
            out[4 * i + 2] = UInt8(truncatingIfNeeded: word >> 8)
            out[4 * i + 3] = UInt8(truncatingIfNeeded: word)
        }
        return out
    }

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    /// One 64-byte block at `p`.
    private mutating func compress(_ p: UnsafeRawPointer) {
        Self.k.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                for t in 0..<16 {
                    let b = p + 4 * t
                    w[t] = UInt32(b.load(as: UInt8.self)) << 24 | UInt32(b.load(fromByteOffset: 1, as: UInt8.self)) << 16
                        | UInt32(b.load(fromByteOffset: 2, as: UInt8.self)) << 8 | UInt32(b.load(fromByteOffset: 3, as: UInt8.self))
                }
                for t in 16..<64 {
                    let s0 = Self.rotr(w[t - 15], 7) ^ Self.rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
                    let s1 = Self.rotr(w[t - 2], 17) ^ Self.rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
                    w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                }
                var (a, b, c, d, e, f, g, hh) = h
                for t in 0..<64 {
                    let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = hh &+ s1 &+ ch &+ k[t] &+ w[t]
                    let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    hh = g; g = f; f = e; e = d &+ t1
                    d = c; c = b; b = a; a = t1 &+ t2
                }
                h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e, h.5 &+ f, h.6 &+ g, h.7 &+ hh)
            }
        }
    }
}

/// Unpadded base64url (RFC 4648 §5): safe in attributes and JIDs.
enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var acc: UInt32 = 0
        var bits = 0
        for b in bytes {
            acc = acc << 8 | UInt32(b)
            bits += 8
            while bits >= 6 {
                bits -= 6
                out.append(alphabet[Int((acc >> UInt32(bits)) & 63)])
            }
        }
        if bits > 0 { out.append(alphabet[Int((acc << UInt32(6 - bits)) & 63)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Lowercase hexadecimal.
enum Hex {
    static func encode(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
