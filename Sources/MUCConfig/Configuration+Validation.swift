import XMPPCore

/// A broken rule: the keys concerned (the first is the one to fix; the others help place it in
/// a file when the first is left at its default) and the message.
struct RuleViolation {
    let keys: [String]
    let message: String
}

extension Configuration {
    /// Checks the rules no TOML type can express: the domain is a valid JID domain, exactly one
    /// secret source is set, the port is in range, limits are not negative, strings such as
    /// `log.level` hold an allowed value, admins are bare JIDs, and room defaults stay within
    /// the limits. Throws the first broken rule; the error has a key but no file or line.
    public func validate() throws(ConfigError) {
        if let first = ruleViolations().first {
            throw ConfigError(key: first.keys.first, message: first.message)
        }
    }

    /// Every broken rule, in the order of `docs/configuration.md`.
    func ruleViolations() -> [RuleViolation] {
        var out: [RuleViolation] = []
        func fail(_ key: String, found: String, _ also: [String] = [], note: String? = nil) {
            var message = "'\(key)' must be \(Schema.expectation(key)), found \(found)"
            if let note { message += " (\(note))" }
            out.append(RuleViolation(keys: [key] + also, message: message))
        }
        func oneOf(_ key: String, _ value: String, _ allowed: [String]) {
            guard !allowed.contains(value) else { return }
            let near = Suggestion.closest(to: value, among: allowed)
            fail(key, found: Suggestion.quoted(value), note: near.map { "did you mean \"\($0)\"?" })
        }
        func atLeast(_ key: String, _ value: Int, _ minimum: Int) {
            if value < minimum { fail(key, found: String(value)) }
        }
        func seconds(_ key: String, _ value: Double, allowZero: Bool) {
            if !value.isFinite || value < 0 || (!allowZero && value == 0) { fail(key, found: Self.number(value)) }
        }

        // [component]
        let c = component
        if c.domain.isEmpty {
            out.append(RuleViolation(keys: ["component.domain"], message:
                "missing required key 'component.domain': set it to the domain the XMPP server routes to this component, e.g. \"conference.example.org\""))
        } else if let problem = Self.domainProblem(c.domain) {
            fail("component.domain", found: Suggestion.quoted(c.domain), note: problem)
        }
        if c.host.isEmpty || c.host.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            fail("component.host", found: Suggestion.quoted(c.host))
        }
        if !(1...65535).contains(c.port) { fail("component.port", found: String(c.port)) }
        switch c.secret {
        case .literal(let s):
            if s.isEmpty {
                out.append(RuleViolation(keys: ["component.secret"], message:
                    "no component secret: set one of 'component.secret', 'component.secret_file' or 'component.secret_env' to provide the secret of the XMPP server's component entry"))
            }
        case .file(let path):
            if path.isEmpty || path.utf8.contains(0) { fail("component.secret_file", found: Suggestion.quoted(path)) }
        case .environment(let name):
            if name.isEmpty || name.contains("=") || name.utf8.contains(0) {
                fail("component.secret_env", found: Suggestion.quoted(name))
            }
        }
        seconds("component.keepalive_seconds", c.keepaliveSeconds, allowZero: true)
        seconds("component.reconnect_initial_seconds", c.reconnectInitialSeconds, allowZero: false)
        seconds("component.reconnect_max_seconds", c.reconnectMaxSeconds, allowZero: false)
        if c.reconnectInitialSeconds.isFinite, c.reconnectMaxSeconds.isFinite, c.reconnectInitialSeconds > 0,
           c.reconnectMaxSeconds > 0, c.reconnectMaxSeconds < c.reconnectInitialSeconds {
            fail("component.reconnect_max_seconds", found: Self.number(c.reconnectMaxSeconds),
                 ["component.reconnect_initial_seconds"],
                 note: "'component.reconnect_initial_seconds' is \(Self.number(c.reconnectInitialSeconds))")
        }
        seconds("component.connect_timeout_seconds", c.connectTimeoutSeconds, allowZero: false)
        atLeast("component.outgoing_queue_limit", c.outgoingQueueLimit, 0)

        // [storage]
        switch storage.backend {
        case .sqlite:
            if storage.path.isEmpty || storage.path.utf8.contains(0) {
                fail("storage.path", found: Suggestion.quoted(storage.path), ["storage.backend"],
                     note: "the sqlite backend needs a database file")
            }
        case .postgres:
            if storage.postgresPort < 1 || storage.postgresPort > 65535 {
                fail("storage.postgres_port", found: String(storage.postgresPort))
            }
            if storage.postgresPoolSize < 1 || storage.postgresPoolSize > 100 {
                fail("storage.postgres_pool_size", found: String(storage.postgresPoolSize))
            }
            if storage.postgresHost.isEmpty { fail("storage.postgres_host", found: "\"\"") }
            if storage.postgresUser.isEmpty { fail("storage.postgres_user", found: "\"\"") }
            if storage.postgresDatabase.isEmpty { fail("storage.postgres_database", found: "\"\"") }
            if !storage.postgresPasswordFile.isEmpty && !storage.postgresPasswordEnv.isEmpty {
                fail("storage.postgres_password_env", found: Suggestion.quoted(storage.postgresPasswordEnv), ["storage.postgres_password_file"],
                     note: "set only one of 'storage.postgres_password_file' and 'storage.postgres_password_env'")
            }
        case .memory:
            break
        }

        // [log]

        // [limits]
        atLeast("limits.max_stanza_bytes", limits.maxStanzaBytes, 1024)
        atLeast("limits.max_occupants_per_room", limits.maxOccupantsPerRoom, 0)
        atLeast("limits.max_history_messages", limits.maxHistoryMessages, 0)
        atLeast("limits.max_rooms", limits.maxRooms, 0)

        // [archive]
        if archive.maxPageSize < 1 || archive.maxPageSize > 1000 {
            fail("archive.max_page_size", found: String(archive.maxPageSize))
        }
        if archive.pageSize < 1 || archive.pageSize > archive.maxPageSize {
            fail("archive.page_size", found: String(archive.pageSize), ["archive.max_page_size"],
                 note: "'archive.max_page_size' is \(archive.maxPageSize)")
        }
        if archive.retentionDays < 0 || archive.retentionDays > 36_500 {
            fail("archive.retention_days", found: String(archive.retentionDays))
        }
        atLeast("archive.max_messages_per_room", archive.maxMessagesPerRoom, 0)

        // [service]
        for admin in service.admins {
            if let problem = Self.bareJIDProblem(admin) {
                fail("service.admins", found: Suggestion.quoted(admin), note: problem)
            }
        }

        // [rooms]
        if rooms.maxUsers < 0 {
            fail("rooms.max_users", found: String(rooms.maxUsers))
        } else if limits.maxOccupantsPerRoom > 0, rooms.maxUsers == 0 || rooms.maxUsers > limits.maxOccupantsPerRoom {
            fail("rooms.max_users", found: rooms.maxUsers == 0 ? "0 (no limit)" : String(rooms.maxUsers),
                 ["limits.max_occupants_per_room"],
                 note: "'limits.max_occupants_per_room' is \(limits.maxOccupantsPerRoom)")
        }
        if rooms.historyLength < 0 {
            fail("rooms.history_length", found: String(rooms.historyLength))
        } else if limits.maxHistoryMessages >= 0, rooms.historyLength > limits.maxHistoryMessages {
            fail("rooms.history_length", found: String(rooms.historyLength), ["limits.max_history_messages"],
                 note: "'limits.max_history_messages' is \(limits.maxHistoryMessages)")
        }
        for role in rooms.presenceBroadcast where !RoomDefaults.allowedRoles.contains(role) {
            fail("rooms.presence_broadcast", found: Suggestion.quoted(role.rawValue))
        }
        for role in rooms.getMemberList where !RoomDefaults.allowedRoles.contains(role) {
            fail("rooms.get_member_list", found: Suggestion.quoted(role.rawValue))
        }
        if !rooms.language.isEmpty, !Self.isLanguageTag(rooms.language) {
            fail("rooms.language", found: Suggestion.quoted(rooms.language))
        }
        return out
    }

    /// Why `domain` is not a JID domainpart, nil when it is one.
    static func domainProblem(_ domain: String) -> String? {
        let jid: JID
        do throws(JIDError) {
            jid = try JID(domain)
        } catch {
            return error.description
        }
        if jid.localpart != nil { return "a domain has no '@'" }
        if jid.resource != nil { return "a domain has no '/'" }
        return nil
    }

    /// Why `string` is not a bare JID, nil when it is one.
    static func bareJIDProblem(_ string: String) -> String? {
        let jid: JID
        do throws(JIDError) {
            jid = try JID(string)
        } catch {
            return error.description
        }
        if jid.resource != nil { return "a bare JID has no '/resource'" }
        return nil
    }

    /// A BCP 47-shaped tag: letters first, then `-`-separated parts of 1 to 8 letters or digits.
    static func isLanguageTag(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        for (i, part) in parts.enumerated() {
            guard (1...8).contains(part.utf8.count) else { return false }
            for b in part.utf8 {
                let letter = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                let digit = b >= 0x30 && b <= 0x39
                guard letter || (digit && i > 0) else { return false }
            }
        }
        return true
    }

    /// A number as a message shows it: `30` rather than `30.0`.
    static func number(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
