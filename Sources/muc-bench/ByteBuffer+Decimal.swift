import NIOCore

extension ByteBuffer {
    /// Appends a non-negative integer in decimal without building a String.
    @inline(__always)
    mutating func writeDecimal(_ value: Int) {
        var v = UInt64(max(0, value))
        var digits = 1
        var t = v
        while t >= 10 { t /= 10; digits += 1 }
        writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { ptr in
            var i = digits - 1
            repeat {
                ptr[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                i -= 1
            } while i >= 0
            return digits
        }
    }

    /// Appends a monotonic timestamp in decimal.
    @inline(__always)
    mutating func writeDecimal(_ value: UInt64) {
        writeDecimal(Int(truncatingIfNeeded: value))
    }
}
