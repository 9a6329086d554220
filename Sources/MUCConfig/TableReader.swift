internal import TOMLKit
import MUC

/// Walks a parsed TOML document against `Schema`, writing known keys into a `Configuration`
/// and collecting a located `ConfigError` for each unknown key, unknown section and wrong type.
/// It goes on after a problem, so `Configuration.diagnose` can list them all.
struct TableReader {
    let source: String
    let locator: KeyLocator
    private(set) var problems: [ConfigError] = []
    /// The secret keys met, with their lines, to refuse more than one.
    private var secretKeys: [(key: String, line: Int?)] = []

    init(source: String, locator: KeyLocator) {
        self.source = source
        self.locator = locator
    }

    mutating func read(_ root: TOMLTable, into config: inout Configuration) {
        for name in root.keys {
            guard let value = root[name] else { continue }
            if let specs = Schema.keys(of: name) {
                readSection(name, value, specs, into: &config)
            } else {
                unknownTopLevel(name, value)
            }
        }
        checkSecretSources()
    }

    // MARK: Sections

    private mutating func readSection(_ section: String, _ value: TOMLValueConvertible, _ specs: [KeySpec],
                                      into config: inout Configuration) {
        guard value.type == .table, let table = value.table else {
            var message = "'\(section)' must be a table (a [\(section)] section), found \(Self.typeName(value))"
            if value.type == .array { message += ": write [\(section)], not [[\(section)]]" }
            report([section], message)
            return
        }
        for name in table.keys {
            guard let item = table[name] else { continue }
            let path = [section, name]
            if let spec = specs.first(where: { $0.name == name }) {
                readKey(spec, path, item, into: &config)
            } else {
                unknownKey(path, item, specs)
            }
        }
    }

    private mutating func unknownKey(_ path: [String], _ value: TOMLValueConvertible, _ specs: [KeySpec]) {
        let dotted = path.joined(separator: ".")
        var message = "unknown key '\(dotted)'"
        if let near = Suggestion.closest(to: path[1], among: specs.map(\.name)) {
            message += " (did you mean '\(near)'?)"
        } else if let home = Schema.sections(holding: path[1]).first {
            message += " ('\(path[1])' belongs in [\(home)])"
        } else {
            message += " (known keys in [\(path[0])]: \(specs.map(\.name).joined(separator: ", ")))"
        }
        report(path, message)
    }

    private mutating func unknownTopLevel(_ name: String, _ value: TOMLValueConvertible) {
        let sectionNames = Schema.sections.map(\.name)
        if value.type == .table || value.type == .array {
            var message = "unknown section '[\(name)]'"
            if let near = Suggestion.closest(to: name, among: sectionNames) {
                message += " (did you mean '[\(near)]'?)"
            } else {
                message += " (known sections: \(sectionNames.map { "[\($0)]" }.joined(separator: ", ")))"
            }
            report([name], message)
            return
        }
        var message = "unknown key '\(name)' outside any section"
        if let home = Schema.sections(holding: name).first {
            message += ": write it under [\(home)]"
        } else if let near = Suggestion.closest(to: name, among: sectionNames) {
            message += " (did you mean the section '[\(near)]'?)"
        }
        report([name], message)
    }

    // MARK: Keys

    private mutating func readKey(_ spec: KeySpec, _ path: [String], _ value: TOMLValueConvertible,
                                  into config: inout Configuration) {
        switch spec.slot {
        case .string(let keyPath):
            guard let s = value.string else { return mismatch(spec, path, value) }
            config[keyPath: keyPath] = s
        case .integer(let keyPath):
            guard value.type == .int, let i = value.int else { return mismatch(spec, path, value) }
            config[keyPath: keyPath] = i
        case .number(let keyPath):
            if value.type == .int, let i = value.int {
                config[keyPath: keyPath] = Double(i)
            } else if value.type == .double, let d = value.double {
                config[keyPath: keyPath] = d
            } else {
                mismatch(spec, path, value)
            }
        case .boolean(let keyPath):
            guard value.type == .bool, let b = value.bool else { return mismatch(spec, path, value) }
            config[keyPath: keyPath] = b
        case .strings(let keyPath):
            guard value.type == .array, let array = value.array else { return mismatch(spec, path, value) }
            var strings: [String] = []
            for element in array {
                guard let s = element.string else {
                    return report(path, "'\(path.joined(separator: "."))' must be \(spec.expectation), found an array holding \(Self.typeName(element))")
                }
                strings.append(s)
            }
            config[keyPath: keyPath] = strings
        case .choice(let choice):
            guard let s = value.string else { return mismatch(spec, path, value) }
            if !choice.assign(&config, s) { notOneOf(s, choice.names, spec, path) }
        case .roles(let keyPath):
            guard value.type == .array, let array = value.array else { return mismatch(spec, path, value) }
            let allowed = Configuration.RoomDefaults.allowedRoles
            var roles: Set<Role> = []
            for element in array {
                guard let s = element.string else {
                    return report(path, "'\(path.joined(separator: "."))' must be \(spec.expectation), found an array holding \(Self.typeName(element))")
                }
                guard let role = Role(rawValue: s), allowed.contains(role) else {
                    return notOneOf(s, allowed.map(\.rawValue), spec, path)
                }
                roles.insert(role)
            }
            config[keyPath: keyPath] = roles
        case .secretLiteral:
            guard let s = value.string else { return mismatch(spec, path, value) }
            config.component.secret = .literal(s)
            secretKeys.append((path.joined(separator: "."), locator.line(of: path)))
        case .secretFile:
            guard let s = value.string else { return mismatch(spec, path, value) }
            config.component.secret = .file(s)
            secretKeys.append((path.joined(separator: "."), locator.line(of: path)))
        case .secretEnvironment:
            guard let s = value.string else { return mismatch(spec, path, value) }
            config.component.secret = .environment(s)
            secretKeys.append((path.joined(separator: "."), locator.line(of: path)))
        }
    }

    /// A string that is not one of the allowed names, with the nearest one as a hint.
    private mutating func notOneOf(_ s: String, _ names: [String], _ spec: KeySpec, _ path: [String]) {
        var message = "'\(path.joined(separator: "."))' must be \(spec.expectation), found \(Suggestion.quoted(s))"
        if let near = Suggestion.closest(to: s, among: names) { message += " (did you mean \"\(near)\"?)" }
        report(path, message)
    }

    private mutating func mismatch(_ spec: KeySpec, _ path: [String], _ value: TOMLValueConvertible) {
        report(path, "'\(path.joined(separator: "."))' must be \(spec.expectation), found \(Self.typeName(value))")
    }

    /// Exactly one secret source: a second one is reported on its own line, naming the first.
    private mutating func checkSecretSources() {
        guard secretKeys.count > 1 else { return }
        let ordered = secretKeys.sorted { ($0.line ?? Int.max) < ($1.line ?? Int.max) }
        let first = ordered[0]
        let where_ = first.line.map { " on line \($0)" } ?? ""
        for other in ordered.dropFirst() {
            let message = "'\(other.key)' conflicts with '\(first.key)'\(where_): set exactly one of "
                + "'component.secret', 'component.secret_file' and 'component.secret_env'"
            problems.append(ConfigError(file: source, line: other.line, key: other.key, message: message))
        }
    }

    private mutating func report(_ path: [String], _ message: String) {
        problems.append(ConfigError(file: source, line: locator.line(of: path), key: path.joined(separator: "."),
                                    message: message))
    }

    /// The TOML type of a value, as messages name it.
    static func typeName(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: return "string"
        case .int: return "integer"
        case .double: return "float"
        case .bool: return "boolean"
        case .array: return "array"
        case .table: return "table"
        case .date: return "date"
        case .time: return "time"
        case .dateTime: return "date-time"
        }
    }
}
