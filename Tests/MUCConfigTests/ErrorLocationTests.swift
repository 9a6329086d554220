import Testing
import MUCConfig

/// Structural errors: each names the key, the line it is on, and what was expected.
@Suite struct ErrorLocationTests {
    @Test func unknownKeyWithSuggestion() {
        let error = parseError(validHeader + "[limits]\nmax_room = 5\n")
        #expect(error?.description == "muc.toml:6: unknown key 'limits.max_room' (did you mean 'max_rooms'?)")
    }

    @Test func suggestionIgnoresCaseAndDashes() {
        #expect(parseError(validHeader + "[limits]\nmaxRooms = 5\n")?.message.contains("did you mean 'max_rooms'?") == true)
        #expect(parseError(validHeader + "[limits]\nmax-rooms = 5\n")?.message.contains("did you mean 'max_rooms'?") == true)
    }

    @Test func unknownKeyWithoutCloseMatchListsKnownKeys() {
        let error = parseError(validHeader + "[log]\ncolour = true\n")
        #expect(error?.line == 6)
        #expect(error?.message == "unknown key 'log.colour' (known keys in [log]: level)")
    }

    @Test func keyInWrongSectionSaysWhereItBelongs() {
        let error = parseError(validHeader + "[log]\nport = 5347\n")
        #expect(error?.line == 6)
        #expect(error?.message == "unknown key 'log.port' ('port' belongs in [component])")
    }

    @Test func unknownSectionWithSuggestion() {
        let error = parseError(validHeader + "# rooms\n[room]\npersistent = true\n")
        #expect(error?.line == 6)
        #expect(error?.key == "room")
        #expect(error?.message == "unknown section '[room]' (did you mean '[rooms]'?)")
    }

    @Test func unknownSectionWithoutSuggestion() {
        let error = parseError(validHeader + "[database]\nurl = \"x\"\n")
        #expect(error?.line == 5)
        #expect(error?.message.hasPrefix("unknown section '[database]' (known sections: [component], [storage]") == true)
    }

    @Test func topLevelKeyBelongsInASection() {
        let error = parseError("domain = \"conference.example.org\"\n[component]\nsecret = \"x\"\n")
        #expect(error?.line == 1)
        #expect(error?.message == "unknown key 'domain' outside any section: write it under [component]")
    }

    @Test func arrayOfTablesForASection() {
        let error = parseError(validHeader + "[[rooms]]\npersistent = true\n")
        #expect(error?.line == 5)
        #expect(error?.message == "'rooms' must be a table (a [rooms] section), found array: write [rooms], not [[rooms]]")
    }

    @Test func sectionGivenAsScalar() {
        let error = parseError(validHeader.replacingOccurrences(of: "[component]", with: "log = 3\n[component]"))
        #expect(error?.line == 1)
        #expect(error?.message == "'log' must be a table (a [log] section), found integer")
    }

    @Test func wrongTypes() {
        let cases: [(String, String)] = [
            ("[rooms]\npersistent = \"yes\"\n", "'rooms.persistent' must be true or false, found string"),
            ("[limits]\nmax_rooms = 2.5\n", "'limits.max_rooms' must be an integer, 0 or more (0 = unlimited), found float"),
            ("[component.x]\n", "unknown key 'component.x' (known keys in [component]: domain, host, port, secret, secret_file, secret_env, keepalive_seconds, reconnect_initial_seconds, reconnect_max_seconds, connect_timeout_seconds, outgoing_queue_limit)"),
            ("[service]\nadmins = \"admin@example.org\"\n", "'service.admins' must be an array of bare JIDs such as [\"admin@example.org\"], found string"),
            ("[service]\nadmins = [\"a@example.org\", 3]\n", "'service.admins' must be an array of bare JIDs such as [\"admin@example.org\"], found an array holding integer"),
            ("[log]\nlevel = 1979-05-27\n", "'log.level' must be one of \"trace\", \"debug\", \"info\", \"notice\", \"warning\", \"error\", \"critical\", found date"),
            ("[storage]\nbackend = \"mysql\"\n", "'storage.backend' must be one of \"memory\", \"sqlite\", \"postgres\", found \"mysql\""),
            ("[storage]\nbackend = \"sqlite3\"\n", "'storage.backend' must be one of \"memory\", \"sqlite\", \"postgres\", found \"sqlite3\" (did you mean \"sqlite\"?)"),
        ]
        for (section, message) in cases {
            let error = parseError(validHeader + section)
            #expect(error?.message == message)
            #expect(error?.line == (section.hasPrefix("[component.x]") ? 5 : 6), "\(section)")
        }
    }

    @Test func integersAreAcceptedForFloatKeys() throws {
        let c = try Configuration.parse(validHeader.replacingOccurrences(of: "[component]", with: "[component]\nkeepalive_seconds = 15\nreconnect_initial_seconds = 1.5"))
        #expect(c.component.keepaliveSeconds == 15)
        #expect(c.component.reconnectInitialSeconds == 1.5)
    }

    @Test func dottedKeysAtTopLevel() {
        let text = """
        component.domain = "conference.example.org"
        component.secret = "s3cret"
        component.port = "5347"
        """
        let error = parseError(text)
        #expect(error?.line == 3)
        #expect(error?.key == "component.port")
    }

    @Test func quotedKeys() {
        let error = parseError(validHeader + "[\"limits\"]\n'max_rooms' = true\n")
        #expect(error?.line == 6)
        #expect(error?.key == "limits.max_rooms")
    }

    @Test func inlineTables() {
        let text = """
        component = { domain = "conference.example.org", secret = "x" }
        limits = { max_rooms = 1 }
        """
        #expect(parseError(text) == nil)
        let error = parseError("component = { domain = \"conference.example.org\", secret = \"x\", prot = 1 }\n")
        #expect(error?.line == 1)
        #expect(error?.key == "component.prot")
    }

    /// Strings, arrays and comments that look like keys or headers do not shift the lines.
    @Test func linesSurviveTrickyValues() {
        let text = """
        [service]
        name = \"\"\"
        [rooms]
        whois = 1
        \"\"\"
        admins = [
          "a@example.org", # [limits]
          "b@example.org",
        ]
        [component] # comment with = sign
        domain = "conference.example.org" # port = 1
        secret = 'x#y'
        port = 'p'
        """
        let error = parseError(text)
        #expect(error?.line == 13)
        #expect(error?.key == "component.port")
    }

    @Test func secondSecretSourceIsReportedOnItsLine() {
        let text = """
        [component]
        domain = "conference.example.org"
        secret = "s3cret"
        secret_env = "MUC_SECRET"
        """
        let error = parseError(text)
        #expect(error?.line == 4)
        #expect(error?.key == "component.secret_env")
        #expect(error?.message == "'component.secret_env' conflicts with 'component.secret' on line 3: set exactly one of 'component.secret', 'component.secret_file' and 'component.secret_env'")
    }

    @Test func problemsComeInFileOrder() {
        let text = """
        [rooms]
        whois = 3
        [component]
        domain = "conference.example.org"
        secret = "s3cret"
        prot = 1
        [limits]
        max_room = 1
        """
        let problems = Configuration.diagnose(text, source: "muc.toml")
        #expect(problems.map(\.line) == [2, 6, 8])
        #expect(problems.map(\.key) == ["rooms.whois", "component.prot", "limits.max_room"])
        #expect(parseError(text)?.line == 2)
    }

    @Test func goodFileHasNoDiagnostics() {
        #expect(Configuration.diagnose(validHeader).isEmpty)
        #expect(Configuration.diagnose(path: Fixture.path("full.toml")).isEmpty)
    }

    @Test func syntaxErrors() {
        let duplicate = parseError(validHeader + "[log]\nlevel = \"info\"\nlevel = \"debug\"\n")
        #expect(duplicate?.line == 7)
        #expect(duplicate?.key == nil)
        #expect(duplicate?.message.hasPrefix("syntax error: ") == true)

        let unclosed = parseError("[component\ndomain = \"x\"\n")
        #expect(unclosed?.line == 1)

        let nul = parseError(validHeader + "[log]\nlevel = \"in\u{0}fo\"\n")
        #expect(nul?.line == 6)
        #expect(nul?.message.hasPrefix("syntax error: NUL character") == true)
    }

    @Test func byteOrderMarkIsIgnored() throws {
        let c = try Configuration.parse("\u{FEFF}" + validHeader)
        #expect(c.component.domain == "conference.example.org")
    }

    @Test func sourceNamesTheTextInErrors() {
        #expect(parseError("[x]\n", source: "inline")?.description.hasPrefix("inline:1: unknown section") == true)
        #expect(parseError("[x]\n")?.file == "muc.toml")
    }
}
