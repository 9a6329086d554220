import MUC

/// Where a key's value goes in a `Configuration`, and which TOML type it takes.
enum Slot {
    case string(WritableKeyPath<Configuration, String>)
    case integer(WritableKeyPath<Configuration, Int>)
    /// A float key; an integer is accepted too.
    case number(WritableKeyPath<Configuration, Double>)
    case boolean(WritableKeyPath<Configuration, Bool>)
    case strings(WritableKeyPath<Configuration, [String]>)
    /// A string naming one case of an enum (the names come from the enum itself).
    case choice(Choice)
    /// An array of roles from `RoomDefaults.allowedRoles`.
    case roles(WritableKeyPath<Configuration, Set<Role>>)
    case secretLiteral
    case secretFile
    case secretEnvironment
}

/// A key whose value names one case of an enum: the allowed names are the enum's raw values,
/// so the file accepts exactly what the service knows.
struct Choice {
    let names: [String]
    /// Sets the value named; false when the name is not one of `names`.
    let assign: (inout Configuration, String) -> Bool

    init<E: RawRepresentable & CaseIterable>(_ keyPath: WritableKeyPath<Configuration, E>) where E.RawValue == String {
        names = E.allCases.map(\.rawValue)
        assign = { config, name in
            guard let value = E(rawValue: name) else { return false }
            config[keyPath: keyPath] = value
            return true
        }
    }
}

/// One key of a section.
struct KeySpec {
    let name: String
    let slot: Slot
    /// What a valid value is; completes "'component.port' must be …".
    let expectation: String
}

/// Every section and key the file may hold, in the order `docs/configuration.md` lists them.
enum Schema {
    static let sections: [(name: String, keys: [KeySpec])] = [
        ("component", [
            KeySpec(name: "domain", slot: .string(\.component.domain),
                    expectation: "a domain name such as \"conference.example.org\""),
            KeySpec(name: "host", slot: .string(\.component.host), expectation: "a host name or IP address"),
            KeySpec(name: "port", slot: .integer(\.component.port), expectation: "an integer between 1 and 65535"),
            KeySpec(name: "secret", slot: .secretLiteral, expectation: "a non-empty string"),
            KeySpec(name: "secret_file", slot: .secretFile, expectation: "the path of a file holding the secret"),
            KeySpec(name: "secret_env", slot: .secretEnvironment, expectation: "the name of an environment variable"),
            KeySpec(name: "keepalive_seconds", slot: .number(\.component.keepaliveSeconds),
                    expectation: "a number of seconds, 0 or more (0 disables keepalives)"),
            KeySpec(name: "reconnect_initial_seconds", slot: .number(\.component.reconnectInitialSeconds),
                    expectation: "a number of seconds greater than 0"),
            KeySpec(name: "reconnect_max_seconds", slot: .number(\.component.reconnectMaxSeconds),
                    expectation: "a number of seconds, at least 'component.reconnect_initial_seconds'"),
            KeySpec(name: "connect_timeout_seconds", slot: .number(\.component.connectTimeoutSeconds),
                    expectation: "a number of seconds greater than 0"),
            KeySpec(name: "outgoing_queue_limit", slot: .integer(\.component.outgoingQueueLimit),
                    expectation: "an integer, 0 or more"),
        ]),
        ("storage", [
            choice("backend", \.storage.backend),
            KeySpec(name: "path", slot: .string(\.storage.path), expectation: "a non-empty file path"),
            KeySpec(name: "postgres_host", slot: .string(\.storage.postgresHost), expectation: "a host name or IP address"),
            KeySpec(name: "postgres_port", slot: .integer(\.storage.postgresPort), expectation: "an integer between 1 and 65535"),
            KeySpec(name: "postgres_user", slot: .string(\.storage.postgresUser), expectation: "a PostgreSQL user name"),
            KeySpec(name: "postgres_database", slot: .string(\.storage.postgresDatabase), expectation: "a PostgreSQL database name"),
            KeySpec(name: "postgres_password_file", slot: .string(\.storage.postgresPasswordFile),
                    expectation: "the path of a file holding the PostgreSQL password"),
            KeySpec(name: "postgres_password_env", slot: .string(\.storage.postgresPasswordEnv),
                    expectation: "the name of an environment variable holding the PostgreSQL password"),
            KeySpec(name: "postgres_pool_size", slot: .integer(\.storage.postgresPoolSize), expectation: "an integer between 1 and 100"),
        ]),
        ("log", [
            choice("level", \.log.level),
        ]),
        ("limits", [
            KeySpec(name: "max_stanza_bytes", slot: .integer(\.limits.maxStanzaBytes),
                    expectation: "an integer of at least 1024"),
            KeySpec(name: "max_occupants_per_room", slot: .integer(\.limits.maxOccupantsPerRoom),
                    expectation: "an integer, 0 or more (0 = no bound)"),
            KeySpec(name: "max_history_messages", slot: .integer(\.limits.maxHistoryMessages),
                    expectation: "an integer, 0 or more"),
            KeySpec(name: "max_rooms", slot: .integer(\.limits.maxRooms),
                    expectation: "an integer, 0 or more (0 = unlimited)"),
        ]),
        ("service", [
            KeySpec(name: "name", slot: .string(\.service.name), expectation: "a string"),
            choice("room_creation", \.service.roomCreation),
            KeySpec(name: "admins", slot: .strings(\.service.admins),
                    expectation: "an array of bare JIDs such as [\"admin@example.org\"]"),
            KeySpec(name: "admins_are_owners", slot: .boolean(\.service.adminsAreOwners), expectation: "true or false"),
            KeySpec(name: "allow_unaffiliated_registration", slot: .boolean(\.service.allowUnaffiliatedRegistration),
                    expectation: "true or false"),
            KeySpec(name: "registration_approval", slot: .boolean(\.service.registrationApproval),
                    expectation: "true or false"),
        ]),
        ("archive", [
            KeySpec(name: "enabled", slot: .boolean(\.archive.enabled), expectation: "true or false"),
            KeySpec(name: "default", slot: .boolean(\.archive.default), expectation: "true or false"),
            KeySpec(name: "page_size", slot: .integer(\.archive.pageSize),
                    expectation: "an integer from 1 to 'archive.max_page_size'"),
            KeySpec(name: "max_page_size", slot: .integer(\.archive.maxPageSize), expectation: "an integer from 1 to 1000"),
            KeySpec(name: "retention_days", slot: .integer(\.archive.retentionDays),
                    expectation: "a number of days from 0 (keep until the room is destroyed) to 36500"),
            KeySpec(name: "max_messages_per_room", slot: .integer(\.archive.maxMessagesPerRoom),
                    expectation: "an integer, 0 for no bound"),
        ]),
        ("rooms", [
            KeySpec(name: "persistent", slot: .boolean(\.rooms.persistent), expectation: "true or false"),
            KeySpec(name: "public", slot: .boolean(\.rooms.public), expectation: "true or false"),
            KeySpec(name: "members_only", slot: .boolean(\.rooms.membersOnly), expectation: "true or false"),
            KeySpec(name: "moderated", slot: .boolean(\.rooms.moderated), expectation: "true or false"),
            choice("whois", \.rooms.whois),
            KeySpec(name: "allow_invites", slot: .boolean(\.rooms.allowInvites), expectation: "true or false"),
            choice("allow_pm", \.rooms.allowPM),
            KeySpec(name: "change_subject", slot: .boolean(\.rooms.changeSubject), expectation: "true or false"),
            KeySpec(name: "max_users", slot: .integer(\.rooms.maxUsers),
                    expectation: "an integer, 0 or more (0 = no limit), at most 'limits.max_occupants_per_room' unless that is 0"),
            KeySpec(name: "history_length", slot: .integer(\.rooms.historyLength),
                    expectation: "an integer, 0 or more, at most 'limits.max_history_messages'"),
            roles("presence_broadcast", \.rooms.presenceBroadcast),
            roles("get_member_list", \.rooms.getMemberList),
            KeySpec(name: "language", slot: .string(\.rooms.language),
                    expectation: "a language tag such as \"en\" or \"pt-BR\", or \"\" for none"),
        ]),
    ]

    /// The keys of a section, nil for an unknown section.
    static func keys(of section: String) -> [KeySpec]? {
        sections.first { $0.name == section }?.keys
    }

    /// The expectation of a dotted key, for messages.
    static func expectation(_ dotted: String) -> String {
        let parts = dotted.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let spec = keys(of: parts[0])?.first(where: { $0.name == parts[1] }) else {
            return "valid"
        }
        return spec.expectation
    }

    /// The sections that have a key with this name.
    static func sections(holding key: String) -> [String] {
        sections.filter { section in section.keys.contains { $0.name == key } }.map(\.name)
    }

    static func oneOf(_ values: [String]) -> String { "one of " + listed(values) }

    /// A key naming one case of an enum.
    static func choice<E: RawRepresentable & CaseIterable>(_ name: String, _ keyPath: WritableKeyPath<Configuration, E>) -> KeySpec
    where E.RawValue == String {
        let choice = Choice(keyPath)
        return KeySpec(name: name, slot: .choice(choice), expectation: oneOf(choice.names))
    }

    /// A key holding an array of roles.
    static func roles(_ name: String, _ keyPath: WritableKeyPath<Configuration, Set<Role>>) -> KeySpec {
        KeySpec(name: name, slot: .roles(keyPath),
                expectation: "an array of roles from " + listed(Configuration.RoomDefaults.allowedRoles.map(\.rawValue)))
    }

    static func listed(_ values: [String]) -> String { values.map { "\"\($0)\"" }.joined(separator: ", ") }
}
