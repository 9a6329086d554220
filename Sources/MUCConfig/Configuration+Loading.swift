internal import TOMLKit
import XMPPCore

extension Configuration {
    /// Largest configuration file read; real ones are a few kilobytes.
    static let maxFileBytes = 1024 * 1024

    /// Reads and validates a file: a syntax error, an unknown section or key, a wrong type or a
    /// broken rule of `validate()` is thrown as a `ConfigError` naming the file, line and key.
    /// The first problem in the file is thrown; `diagnose(path:)` lists them all.
    public static func load(path: String) throws(ConfigError) -> Configuration {
        let (configuration, problems) = analyse(path: path)
        if let first = problems.first { throw first }
        return configuration
    }

    /// Parses and validates TOML text; `source` names it in errors. Throws the problem that comes
    /// first in the text.
    public static func parse(_ text: String, source: String = "config") throws(ConfigError) -> Configuration {
        let (configuration, problems) = analyse(text, source: source)
        if let first = problems.first { throw first }
        return configuration
    }

    /// Every problem `parse` would find, ordered by line, or an empty array for a good
    /// configuration. Syntax and structure problems (unknown keys, wrong types) come alone: the
    /// rules of `validate()` are only checked once those are fixed.
    public static func diagnose(_ text: String, source: String = "config") -> [ConfigError] {
        analyse(text, source: source).problems
    }

    /// As `diagnose(_:source:)` for a file.
    public static func diagnose(path: String) -> [ConfigError] {
        analyse(path: path).problems
    }

    // MARK: Implementation

    static func analyse(path: String) -> (Configuration, problems: [ConfigError]) {
        let bytes: [UInt8]
        do throws(FileReading.Failure) {
            bytes = try FileReading.contents(of: path, limit: maxFileBytes)
        } catch {
            return (Configuration(), [ConfigError(file: path, message: "cannot read the configuration file: \(error.reason)")])
        }
        guard let text = String(validUTF8: bytes) else {
            return (Configuration(), [ConfigError(file: path, message: "the configuration file is not valid UTF-8")])
        }
        return analyse(text, source: path)
    }

    static func analyse(_ text: String, source: String) -> (Configuration, problems: [ConfigError]) {
        // A byte-order mark is harmless; drop it so neither parser nor scanner sees it.
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text

        // TOMLKit hands the text to C as a NUL-terminated string: a NUL would silently end it.
        if let nul = text.utf8.firstIndex(of: 0) {
            let line = text.utf8[..<nul].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            return (Configuration(), [ConfigError(file: source, line: line,
                                                  message: "syntax error: NUL character (TOML text may not hold control characters)")])
        }

        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let line = error.source.begin.line, column = error.source.begin.column
            var message = "syntax error: \(error.description)"
            // The parser's wording for a string left open is about control characters; say it plainly.
            if error.description.contains("string"), isLineEnd(in: text, line: line, column: column) {
                message += " (a closing quote is missing on this line)"
            }
            return (Configuration(), [ConfigError(file: source, line: line, column: column, message: message)])
        } catch {
            return (Configuration(), [ConfigError(file: source, message: "syntax error: \(error)")])
        }

        let locator = KeyLocator(text)
        var reader = TableReader(source: source, locator: locator)
        var configuration = Configuration()
        reader.read(table, into: &configuration)
        if !reader.problems.isEmpty {
            return (configuration, byLine(reader.problems))
        }

        // Admins are compared with JIDs from the wire, which are normalised.
        configuration.service.admins = configuration.service.admins.map { admin in
            (try? BareJID(admin))?.description ?? admin
        }

        let violations = configuration.ruleViolations().map { violation in
            ConfigError(file: source, line: line(of: violation.keys, in: locator), key: violation.keys.first,
                        message: violation.message)
        }
        return (configuration, byLine(violations))
    }

    /// Whether a 1-based line and column (counted in characters) is the end of that line.
    private static func isLineEnd(in text: String, line: Int, column: Int) -> Bool {
        var currentLine = 1, currentColumn = 1
        for u in text.unicodeScalars {
            if currentLine == line && currentColumn == column { return u == "\n" || u == "\r" }
            if u == "\n" {
                if currentLine == line { return false }
                currentLine += 1
                currentColumn = 1
            } else {
                currentColumn += 1
            }
        }
        return currentLine == line
    }

    /// The line of the first of `keys` written in the file, else of its section header.
    private static func line(of keys: [String], in locator: KeyLocator) -> Int? {
        for key in keys {
            if let line = locator.line(ofDotted: key) { return line }
        }
        for key in keys {
            let section = String(key.prefix { $0 != "." })
            if let line = locator.line(of: [section]) { return line }
        }
        return nil
    }

    /// Problems in file order; those without a line keep their order, after the others.
    private static func byLine(_ problems: [ConfigError]) -> [ConfigError] {
        problems.enumerated()
            .sorted { ($0.element.line ?? Int.max, $0.offset) < ($1.element.line ?? Int.max, $1.offset) }
            .map(\.element)
    }
}

extension String {
    /// The text of UTF-8 bytes, nil when they are not valid UTF-8.
    init?(validUTF8 bytes: [UInt8]) {
        // Decoding replaces each invalid sequence with U+FFFD, so the text re-encodes differently.
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.elementsEqual(bytes) else { return nil }
        self = text
    }
}
