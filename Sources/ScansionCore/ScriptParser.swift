/// Why a script cannot be read.
public struct ScriptParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

/// Reads the `.scs` format: a title comment, `[Client] Name` blocks with indented `jid:` and
/// `password:` lines, a `-----` line, then action lines, each `sends:`/`receives:` followed by an
/// indented block of XML. Lines starting with `#` are comments; blank lines separate things.
public enum ScriptParser {
    public static func parse(_ text: String, path: String? = nil) throws(ScriptParseError) -> Script {
        let lines = splitLines(text)
        var title: String? = nil
        var clients: [ClientDeclaration] = []
        var steps: [Step] = []
        var index = 0
        var inHeader = true
        var sawSeparator = false

        while index < lines.count {
            let raw = lines[index]
            let lineNumber = index + 1
            let trimmed = raw.trimmingWhitespace()
            if trimmed.isEmpty { index += 1; continue }
            if raw.hasPrefix("#") {
                if title == nil && clients.isEmpty && steps.isEmpty && inHeader {
                    title = String(raw.dropFirst()).trimmingWhitespace()
                }
                index += 1
                continue
            }
            if isIndented(raw) {
                throw ScriptParseError(line: lineNumber, message: "indented line outside a block: \(trimmed)")
            }
            if inHeader {
                if trimmed.allSatisfy({ $0 == "-" }) && trimmed.count >= 3 {
                    inHeader = false
                    sawSeparator = true
                    index += 1
                    continue
                }
                guard trimmed.hasPrefix("[Client]") else {
                    throw ScriptParseError(line: lineNumber, message: "expected '[Client] Name' or '-----' in the header, got: \(trimmed)")
                }
                let name = String(trimmed.dropFirst("[Client]".count)).trimmingWhitespace()
                guard !name.isEmpty else { throw ScriptParseError(line: lineNumber, message: "client without a name") }
                guard !clients.contains(where: { $0.name == name }) else {
                    throw ScriptParseError(line: lineNumber, message: "client '\(name)' declared twice")
                }
                let (block, next) = readBlock(lines, from: index + 1)
                index = next
                var jid: String? = nil
                var password = ""
                for (offset, entry) in block {
                    guard let colon = entry.firstIndex(of: ":") else {
                        throw ScriptParseError(line: offset, message: "expected 'key: value' in client '\(name)', got: \(entry)")
                    }
                    let key = String(entry[..<colon]).trimmingWhitespace()
                    let value = String(entry[entry.index(after: colon)...]).trimmingWhitespace()
                    switch key {
                    case "jid": jid = value
                    case "password": password = value
                    default: break  // other keys (e.g. connect_host) do not concern this runner
                    }
                }
                guard let jid, !jid.isEmpty else {
                    throw ScriptParseError(line: lineNumber, message: "client '\(name)' has no jid")
                }
                clients.append(ClientDeclaration(name: name, jid: jid, password: password, line: lineNumber))
                continue
            }
            // An action line.
            let (name, action, takesBlock) = try parseAction(trimmed, line: lineNumber)
            guard clients.contains(where: { $0.name == name }) else {
                throw ScriptParseError(line: lineNumber, message: "unknown client '\(name)'")
            }
            index += 1
            if takesBlock {
                let (block, next) = readBlock(lines, from: index)
                index = next
                guard !block.isEmpty else {
                    throw ScriptParseError(line: lineNumber, message: "'\(trimmed)' without an indented block of XML")
                }
                let xml = block.map(\.text).joined(separator: "\n")
                switch action {
                case .send: steps.append(Step(line: lineNumber, client: name, action: .send(xml: xml)))
                default: steps.append(Step(line: lineNumber, client: name, action: .receive(xml: xml)))
                }
            } else {
                steps.append(Step(line: lineNumber, client: name, action: action))
            }
        }
        guard sawSeparator else {
            throw ScriptParseError(line: lines.count, message: "no '-----' line ends the header")
        }
        return Script(title: title, path: path, clients: clients, steps: steps)
    }

    /// Reads a script file.
    public static func parse(contentsOfFile path: String) throws -> Script {
        let text = try readFile(path)
        return try parse(text, path: path)
    }

    // MARK: Pieces

    private static func parseAction(_ line: String, line number: Int) throws(ScriptParseError) -> (String, Step.Action, Bool) {
        let forms: [(String, Step.Action, Bool)] = [
            (" receives: nothing", .receiveNothing, false),
            (" receives:", .receive(xml: ""), true),
            (" sends:", .send(xml: ""), true),
            (" disconnects", .disconnect, false),
            (" connects", .connect, false),
        ]
        for (suffix, action, block) in forms where line.hasSuffix(suffix) {
            let name = String(line.dropLast(suffix.count)).trimmingWhitespace()
            guard !name.isEmpty else { break }
            return (name, action, block)
        }
        throw ScriptParseError(line: number, message: "not an action: \(line)")
    }

    /// The indented lines starting at `start` (blank lines inside the block are kept when more
    /// indented lines follow), with their 1-based line numbers; returns the index after the block.
    private static func readBlock(_ lines: [String], from start: Int) -> ([(line: Int, text: String)], Int) {
        var block: [(line: Int, text: String)] = []
        var index = start
        var lastIndented = start
        while index < lines.count {
            let raw = lines[index]
            if isIndented(raw) && !raw.trimmingWhitespace().isEmpty {
                block.append((index + 1, String(raw.dropFirst())))
                index += 1
                lastIndented = index
            } else if raw.trimmingWhitespace().isEmpty {
                index += 1
            } else {
                break
            }
        }
        return (block, block.isEmpty ? start : lastIndented)
    }

    private static func isIndented(_ line: String) -> Bool {
        line.first == "\t" || line.first == " "
    }

    private static func splitLines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for i in lines.indices where lines[i].hasSuffix("\r") { lines[i].removeLast() }
        return lines
    }
}

public extension String {
    /// Without leading and trailing spaces, tabs, CR and LF.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first ... last])
    }

    var isBlank: Bool { allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" } }
}
