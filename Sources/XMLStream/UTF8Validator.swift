/// Checks that the stream is UTF-8 as it arrives, whatever the chunk boundaries. libxml2 checks
/// too, but reports a truncated or stray byte at a chunk end as some other error, and surrogates
/// as an XML character error; validating first makes the verdict exact and chunking-independent.
struct UTF8Validator {
    /// Continuation bytes still expected for the current sequence.
    private var needed = 0
    /// Allowed range of the next continuation byte (narrower right after some lead bytes, to
    /// refuse overlong forms, surrogates and code points above U+10FFFF).
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF

    /// Validates the next bytes; returns the index of the first byte that cannot continue
    /// UTF-8, nil when all can.
    mutating func firstInvalid(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var i = 0
        while i < count {
            if needed == 0 {
                // ASCII runs, eight bytes at a time.
                while i + 8 <= count, (base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
                guard i < count else { break }
            }
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            i += 1
            if needed > 0 {
                guard b >= low && b <= high else { return i - 1 }
                needed -= 1
                low = 0x80
                high = 0xBF
                continue
            }
            switch b {
            case 0x00...0x7F: continue
            case 0xC2...0xDF: needed = 1
            case 0xE0: needed = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: needed = 2
            case 0xED: needed = 2; high = 0x9F
            case 0xF0: needed = 3; low = 0x90
            case 0xF1...0xF3: needed = 3
            case 0xF4: needed = 3; high = 0x8F
            default: return i - 1
            }
        }
        return nil
    }
}
