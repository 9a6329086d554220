/// A problem with the configuration: a file that cannot be read, a TOML syntax error, an unknown
/// or mistyped key, a value that breaks a rule, or a secret that cannot be resolved.
///
/// `description` is the line to show an operator, in the usual `file:line: message` form:
/// `muc.toml:7: unknown key 'component.prot' (did you mean 'port'?)`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or the `source` name given to `parse`); nil when not known, as for `validate()`.
    public var file: String?
    /// 1-based line the problem is on, when known.
    public var line: Int?
    /// 1-based column, only known for syntax errors.
    public var column: Int?
    /// The dotted key concerned, e.g. `component.port`; a section name for a section problem;
    /// nil for problems with the file as a whole.
    public var key: String?
    /// What is wrong and, where it helps, what to do; it names the key itself.
    public var message: String

    public init(file: String? = nil, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    public var description: String {
        var prefix = ""
        if let file {
            prefix = file
            if let line {
                prefix += ":\(line)"
                if let column { prefix += ":\(column)" }
            }
            return prefix + ": " + message
        }
        if let line { return "line \(line): " + message }
        return message
    }
}
