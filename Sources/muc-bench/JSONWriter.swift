/// A JSON value with object keys kept in insertion order (so the result line reads well).
enum JSON {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    /// A number, or null when absent or not finite.
    static func number(_ d: Double?, digits: Int = 3) -> JSON {
        guard let d, d.isFinite else { return .null }
        let scale = pow10(digits)
        return .double((d * scale).rounded() / scale)
    }

    static func number(_ i: Int?) -> JSON { i.map(JSON.int) ?? .null }

    private static func pow10(_ n: Int) -> Double {
        var v = 1.0
        for _ in 0..<n { v *= 10 }
        return v
    }

    /// Compact serialization on one line.
    var text: String {
        var s = ""
        write(into: &s)
        return s
    }

    private func write(into s: inout String) {
        switch self {
        case .null: s += "null"
        case .bool(let b): s += b ? "true" : "false"
        case .int(let i): s += String(i)
        case .double(let d):
            if d == d.rounded() && abs(d) < 1e15 { s += String(Int(d)) } else { s += String(d) }
        case .string(let str): JSON.quote(str, into: &s)
        case .array(let items):
            s += "["
            for (i, item) in items.enumerated() {
                if i > 0 { s += "," }
                item.write(into: &s)
            }
            s += "]"
        case .object(let pairs):
            s += "{"
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { s += "," }
                JSON.quote(k, into: &s)
                s += ":"
                v.write(into: &s)
            }
            s += "}"
        }
    }

    private static func quote(_ str: String, into s: inout String) {
        s += "\""
        for u in str.unicodeScalars {
            switch u {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            case "\t": s += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    s += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    s.unicodeScalars.append(u)
                }
            }
        }
        s += "\""
    }
}
