import Testing
import MUCConfig

@Suite struct FixtureTests {
    @Test func minimalHasDomainSecretAndDefaults() throws {
        let c = try Configuration.load(path: Fixture.path("minimal.toml"))
        var expected = Configuration()
        expected.component.domain = "conference.example.org"
        expected.component.secret = .literal("change-me")
        #expect(c == expected)
    }

    /// full.toml claims to show every default: hold it to that.
    @Test func fullEqualsDefaults() throws {
        let c = try Configuration.load(path: Fixture.path("full.toml"))
        var expected = Configuration()
        expected.component.domain = "conference.example.org"
        expected.component.secret = .literal("change-me")
        #expect(c == expected)
    }

    /// full.toml mentions every key the loader knows (the secret alternatives in comments).
    @Test func fullMentionsEveryKey() throws {
        let text = try String(contentsOfFile: Fixture.path("full.toml"), encoding: .utf8)
        for key in ["domain", "host", "port", "secret", "secret_file", "secret_env", "keepalive_seconds",
                    "reconnect_initial_seconds", "reconnect_max_seconds", "connect_timeout_seconds",
                    "outgoing_queue_limit", "backend", "path", "level", "max_stanza_bytes",
                    "max_occupants_per_room", "max_history_messages", "max_rooms", "name", "room_creation",
                    "admins", "allow_unaffiliated_registration", "persistent", "public", "members_only",
                    "moderated", "whois", "allow_invites", "allow_pm", "change_subject", "max_users",
                    "history_length", "presence_broadcast", "get_member_list", "language"] {
            #expect(text.contains("\(key) = "), "full.toml lacks \(key)")
        }
    }

    @Test func localDemo() throws {
        let c = try Configuration.load(path: Fixture.path("local-demo.toml"))
        #expect(c.component.domain == "conference.localhost")
        #expect(c.component.host == "127.0.0.1")
        #expect(c.component.port == 5347)
        #expect(c.component.secret == .environment("MUC_COMPONENT_SECRET"))
        #expect(c.storage.backend == .sqlite)
        #expect(c.storage.path.hasPrefix("data/"))
        #expect(try c.resolveSecret(environment: ["MUC_COMPONENT_SECRET": "demo"]) == "demo")
    }

    @Test func typoKeyNamesKeyLineAndSuggestion() {
        let path = Fixture.path("typo-key.toml")
        let error = #expect(throws: ConfigError.self) { try Configuration.load(path: path) }
        #expect(error?.file == path)
        #expect(error?.line == 7)
        #expect(error?.key == "component.prot")
        #expect(error?.description == "\(path):7: unknown key 'component.prot' (did you mean 'port'?)")
    }

    @Test func wrongTypeNamesExpectedAndFoundType() {
        let path = Fixture.path("wrong-type.toml")
        let error = #expect(throws: ConfigError.self) { try Configuration.load(path: path) }
        #expect(error?.line == 6)
        #expect(error?.key == "component.port")
        #expect(error?.description == "\(path):6: 'component.port' must be an integer between 1 and 65535, found string")
    }

    @Test func syntaxErrorCarriesLine() {
        let path = Fixture.path("syntax-error.toml")
        let error = #expect(throws: ConfigError.self) { try Configuration.load(path: path) }
        #expect(error?.line == 4)
        #expect(error?.column == 33)
        #expect(error?.key == nil)
        #expect(error?.message.hasPrefix("syntax error: ") == true)
        #expect(error?.message.hasSuffix(" (a closing quote is missing on this line)") == true)
        #expect(error?.description.hasPrefix("\(path):4:33: syntax error: ") == true)
    }

    @Test func missingFile() {
        let path = Fixture.path("no-such-file.toml")
        let error = #expect(throws: ConfigError.self) { try Configuration.load(path: path) }
        #expect(error?.description == "\(path): cannot read the configuration file: no such file")
    }

    @Test func directoryIsNotAFile() {
        let error = #expect(throws: ConfigError.self) { try Configuration.load(path: Fixture.directory) }
        #expect(error?.message == "cannot read the configuration file: it is a directory")
    }
}
