/// "Did you mean" suggestions and safe quoting for error messages.
enum Suggestion {
    /// The candidate closest to `word`, if close enough to be a likely typo. Case, `-` and `_`
    /// are ignored first, so `maxRooms` and `max-rooms` find `max_rooms`; then up to one edit
    /// (an insertion, deletion, substitution or swap of neighbours) per three or four letters;
    /// failing that, a candidate that `word` (of three letters or more) begins, as `warn` does `warning`.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let w = normalised(word)
        guard !w.isEmpty else { return nil }
        let limit = w.count <= 3 ? 1 : (w.count <= 7 ? 2 : 3)
        var best: (candidate: String, distance: Int)? = nil
        for candidate in candidates {
            let d = distance(w, normalised(candidate))
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        if let best { return best.candidate }
        guard w.count >= 3 else { return nil }
        return candidates.first { normalised($0).starts(with: w) }
    }

    static func normalised(_ s: String) -> [Character] {
        s.lowercased().filter { $0 != "_" && $0 != "-" }.map { $0 }
    }

    /// Optimal string alignment distance (Levenshtein plus swaps of neighbours).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let width = b.count + 1
        var d = [Int](repeating: 0, count: (a.count + 1) * width)
        for i in 0...a.count { d[i * width] = i }
        for j in 0...b.count { d[j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1, d[(i - 1) * width + j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    v = min(v, d[(i - 2) * width + j - 2] + 1)
                }
                d[i * width + j] = v
            }
        }
        return d[a.count * width + b.count]
    }

    /// A value for a message: in double quotes, with quotes, backslashes and control characters
    /// escaped, and cut after 80 characters so a stray blob does not flood the log.
    static func quoted(_ s: String) -> String {
        var out = "\""
        var count = 0
        for u in s.unicodeScalars {
            if count == 80 {
                out += "…"
                break
            }
            count += 1
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if u.value < 0x20 || (u.value >= 0x7F && u.value <= 0x9F) {
                    out += "\\u{\(String(u.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
