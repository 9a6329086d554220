/// Where a key's value goes in a `Configuration`, and which TOML type it takes.
enum Slot {
    case string(WritableKeyPath<Configuration, String>)
    case integer(WritableKeyPath<Configuration, Int>)
    /// A float key; an integer is accepted too.
    case number(WritableKeyPath<Configuration, Double>)
    case boolean(WritableKeyPath<Configuration, Bool>)
    case strings(WritableKeyPath<Configuration, [String]>)
    case backend
    case secretLiteral
    case secretFile
    case secretEnvironment
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
            KeySpec(name: "backend", slot: .backend,
                    expectation: oneOf(Configuration.Storage.Backend.allCases.map(\.rawValue))),
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
            KeySpec(name: "level", slot: .string(\.log.level), expectation: oneOf(Configuration.Log.allowedLevels)),
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
            KeySpec(name: "room_creation", slot: .string(\.service.roomCreation),
                    expectation: oneOf(Configuration.ServiceSettings.allowedRoomCreation)),
            KeySpec(name: "admins", slot: .strings(\.service.admins),
                    expectation: "an array of bare JIDs such as [\"admin@example.org\"]"),
            KeySpec(name: "allow_unaffiliated_registration", slot: .boolean(\.service.allowUnaffiliatedRegistration),
                    expectation: "true or false"),
            KeySpec(name: "registration_approval", slot: .boolean(\.service.registrationApproval),
                    expectation: "true or false"),
        ]),
        ("rooms", [
            KeySpec(name: "persistent", slot: .boolean(\.rooms.persistent), expectation: "true or false"),
            KeySpec(name: "public", slot: .boolean(\.rooms.public), expectation: "true or false"),
            KeySpec(name: "members_only", slot: .boolean(\.rooms.membersOnly), expectation: "true or false"),
            KeySpec(name: "moderated", slot: .boolean(\.rooms.moderated), expectation: "true or false"),
            KeySpec(name: "whois", slot: .string(\.rooms.whois),
                    expectation: oneOf(Configuration.RoomDefaults.allowedWhois)),
            KeySpec(name: "allow_invites", slot: .boolean(\.rooms.allowInvites), expectation: "true or false"),
            KeySpec(name: "allow_pm", slot: .string(\.rooms.allowPM),
                    expectation: oneOf(Configuration.RoomDefaults.allowedAllowPM)),
            KeySpec(name: "change_subject", slot: .boolean(\.rooms.changeSubject), expectation: "true or false"),
            KeySpec(name: "max_users", slot: .integer(\.rooms.maxUsers),
                    expectation: "an integer, 0 or more (0 = no limit), at most 'limits.max_occupants_per_room' unless that is 0"),
            KeySpec(name: "history_length", slot: .integer(\.rooms.historyLength),
                    expectation: "an integer, 0 or more, at most 'limits.max_history_messages'"),
            KeySpec(name: "presence_broadcast", slot: .strings(\.rooms.presenceBroadcast),
                    expectation: "an array of roles from " + listed(Configuration.RoomDefaults.allowedRoles)),
            KeySpec(name: "get_member_list", slot: .strings(\.rooms.getMemberList),
                    expectation: "an array of roles from " + listed(Configuration.RoomDefaults.allowedRoles)),
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

    static func listed(_ values: [String]) -> String { values.map { "\"\($0)\"" }.joined(separator: ", ") }
}
