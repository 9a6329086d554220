import Testing
import MUC
import MUCConfig

/// The rules of `validate()`, and the lines `parse` gives their errors.
@Suite struct ValidationTests {
    @Test func defaultsNeedOnlyDomainAndSecret() {
        let c = Configuration()
        #expect(c.component.host == "127.0.0.1")
        #expect(c.component.port == 5347)
        #expect(c.component.keepaliveSeconds == 60)
        #expect(c.component.reconnectInitialSeconds == 0.5)
        #expect(c.component.reconnectMaxSeconds == 30)
        #expect(c.component.connectTimeoutSeconds == 10)
        #expect(c.component.outgoingQueueLimit == 1000)
        #expect(c.storage.backend == .sqlite)
        #expect(c.storage.path == "data/muc.sqlite")
        #expect(c.log.level == .info)
        #expect(c.limits.maxStanzaBytes == 524_288)
        #expect(c.limits.maxRooms == 0)
        #expect(c.service.roomCreation == .anyone)
        #expect(c.service.admins.isEmpty)
        #expect(c.rooms.whois == .moderators)
        #expect(c.rooms.maxUsers == 200)
        #expect(c.rooms.historyLength == 20)
        #expect(c.rooms.getMemberList == [.moderator])
        #expect(validationError(c)?.key == "component.domain")
        #expect(validationError(validConfiguration()) == nil)
    }

    @Test func missingDomainAndSecret() {
        var c = validConfiguration()
        c.component.domain = ""
        #expect(validationError(c)?.message.hasPrefix("missing required key 'component.domain'") == true)
        c = validConfiguration()
        c.component.secret = .literal("")
        #expect(validationError(c)?.key == "component.secret")
        #expect(validationError(c)?.message.hasPrefix("no component secret: set one of 'component.secret', 'component.secret_file' or 'component.secret_env'") == true)
    }

    @Test func missingKeysPointAtTheSectionHeader() {
        let error = parseError("# nothing yet\n\n[component]\nsecret = \"x\"\n")
        #expect(error?.line == 3)
        #expect(error?.key == "component.domain")
        let noSection = parseError("")
        #expect(noSection?.line == nil)
        #expect(noSection?.description.hasPrefix("muc.toml: missing required key 'component.domain'") == true)
    }

    @Test(arguments: [
        ("conference example.org", "forbidden character U+20 in domainpart"),
        ("room@conference.example.org", "a domain has no '@'"),
        ("conference.example.org/x", "a domain has no '/'"),
        ("a..b", "invalid domainpart"),
    ])
    func invalidDomains(domain: String, note: String) {
        var c = validConfiguration()
        c.component.domain = domain
        let error = validationError(c)
        #expect(error?.key == "component.domain")
        #expect(error?.message == "'component.domain' must be a domain name such as \"conference.example.org\", found \"\(domain)\" (\(note))")
        #expect(error?.file == nil)
        #expect(error?.line == nil)
    }

    @Test func portRangeWithLine() {
        let error = parseError(validHeader + "[component]\nport = 70000\n")
        // [component] is defined twice: that is a syntax error, not a range error.
        #expect(error?.message.hasPrefix("syntax error") == true)

        let text = "[component]\ndomain = \"conference.example.org\"\nsecret = \"x\"\nport = 70000\n"
        #expect(parseError(text)?.description == "muc.toml:4: 'component.port' must be an integer between 1 and 65535, found 70000")
        var c = validConfiguration()
        c.component.port = 0
        #expect(validationError(c)?.key == "component.port")
    }

    @Test func timingsAndQueue() {
        var c = validConfiguration()
        c.component.keepaliveSeconds = 0
        #expect(validationError(c) == nil)
        c.component.keepaliveSeconds = -1
        #expect(validationError(c)?.message == "'component.keepalive_seconds' must be a number of seconds, 0 or more (0 disables keepalives), found -1")
        c = validConfiguration()
        c.component.connectTimeoutSeconds = 0
        #expect(validationError(c)?.key == "component.connect_timeout_seconds")
        c = validConfiguration()
        c.component.reconnectInitialSeconds = .infinity
        #expect(validationError(c)?.message == "'component.reconnect_initial_seconds' must be a number of seconds greater than 0, found inf")
        c = validConfiguration()
        c.component.reconnectInitialSeconds = 10
        c.component.reconnectMaxSeconds = 5
        #expect(validationError(c)?.message == "'component.reconnect_max_seconds' must be a number of seconds, at least 'component.reconnect_initial_seconds', found 5 ('component.reconnect_initial_seconds' is 10)")
        c = validConfiguration()
        c.component.outgoingQueueLimit = -1
        #expect(validationError(c)?.key == "component.outgoing_queue_limit")
    }

    /// A rule between two keys is placed on whichever of them the file sets.
    @Test func crossKeyRuleFindsTheLineOfTheKeySet() {
        let error = parseError(validHeader + "[limits]\nmax_history_messages = 10\n")
        #expect(error?.key == "rooms.history_length")
        #expect(error?.line == 6)
        #expect(error?.message == "'rooms.history_length' must be an integer, 0 or more, at most 'limits.max_history_messages', found 20 ('limits.max_history_messages' is 10)")
    }

    @Test func roomLimits() {
        var c = validConfiguration()
        c.rooms.maxUsers = 2000
        #expect(validationError(c)?.key == "rooms.max_users")
        c.rooms.maxUsers = 0
        #expect(validationError(c)?.message.contains("found 0 (no limit)") == true)
        c.limits.maxOccupantsPerRoom = 0
        #expect(validationError(c) == nil)
        c.rooms.maxUsers = -1
        #expect(validationError(c)?.key == "rooms.max_users")
        c = validConfiguration()
        c.limits.maxStanzaBytes = 100
        #expect(validationError(c)?.message == "'limits.max_stanza_bytes' must be an integer of at least 1024, found 100")
        c = validConfiguration()
        c.limits.maxRooms = -5
        #expect(validationError(c)?.key == "limits.max_rooms")
    }

    @Test func enumLikeStringsWithSuggestions() {
        func problem(_ text: String) -> ConfigError? {
            Configuration.diagnose(validHeader + text, source: "muc.toml").first
        }
        #expect(problem("[log]\nlevel = \"warn\"\n")?.message == "'log.level' must be one of \"trace\", \"debug\", \"info\", \"notice\", \"warning\", \"error\", \"critical\", found \"warn\" (did you mean \"warning\"?)")
        #expect(problem("[log]\nlevel = \"INFO\"\n")?.message.hasSuffix("found \"INFO\" (did you mean \"info\"?)") == true)
        var c = validConfiguration()
        c.rooms.getMemberList = [.none]
        #expect(validationError(c)?.key == "rooms.get_member_list")
    }

    /// Keys that name a case of the service's own enums take exactly its names, and a wrong one is
    /// reported on its line with the nearest name.
    @Test func namesComeFromTheServiceEnums() {
        func problem(_ section: String, _ line: String) -> ConfigError? {
            Configuration.diagnose(validHeader + "[\(section)]\n\(line)\n", source: "muc.toml").first
        }
        #expect(problem("service", "room_creation = \"everyone\"")?.message
                == "'service.room_creation' must be one of \"anyone\", \"local\", \"admins\", found \"everyone\"")
        #expect(problem("rooms", "whois = \"all\"")?.key == "rooms.whois")
        #expect(problem("rooms", "allow_pm = \"nobody\"")?.message.hasPrefix(
            "'rooms.allow_pm' must be one of \"anyone\", \"participants\", \"moderators\", \"none\"") == true)
        #expect(problem("rooms", "presence_broadcast = [\"moderator\", \"participants\"]")?.message
                == "'rooms.presence_broadcast' must be an array of roles from \"moderator\", \"participant\", \"visitor\", found \"participants\" (did you mean \"participant\"?)")
        #expect(problem("rooms", "get_member_list = [\"owner\"]")?.key == "rooms.get_member_list")
        #expect(problem("rooms", "get_member_list = [\"none\"]")?.key == "rooms.get_member_list")
        #expect(problem("storage", "backend = \"sqlit\"")?.message.hasSuffix("(did you mean \"sqlite\"?)") == true)
        // Every name the enums have is accepted.
        for policy in RoomCreationPolicy.allCases { #expect(problem("service", "room_creation = \"\(policy.rawValue)\"") == nil) }
        for whois in Whois.allCases { #expect(problem("rooms", "whois = \"\(whois.rawValue)\"") == nil) }
        for allow in AllowPM.allCases { #expect(problem("rooms", "allow_pm = \"\(allow.rawValue)\"") == nil) }
    }

    /// The room defaults of the file and of the room machine are the same values.
    @Test func roomDefaultsAreTheMachines() {
        let file = Configuration.RoomDefaults()
        let machine = RoomConfig()
        #expect(file.whois == machine.whois && file.allowPM == machine.allowPM)
        #expect(file.getMemberList == machine.getMemberList && file.presenceBroadcast == machine.presenceBroadcast)
        #expect(file.maxUsers == machine.maxUsers && file.historyLength == machine.historyLength)
        #expect(file.persistent == machine.persistent && file.public == machine.isPublic)
        #expect(file.membersOnly == machine.membersOnly && file.moderated == machine.moderated)
        #expect(file.allowInvites == machine.allowInvites && file.changeSubject == machine.changeSubject)
    }

    @Test func admins() throws {
        let ok = try Configuration.parse(validHeader + "[service]\nadmins = [\"Admin@Example.org\", \"example.net\"]\n")
        #expect(ok.service.admins == ["admin@example.org", "example.net"])

        let error = parseError(validHeader + "[service]\nname = \"x\"\nadmins = [\"admin@example.org/phone\"]\n")
        #expect(error?.line == 7)
        #expect(error?.message == "'service.admins' must be an array of bare JIDs such as [\"admin@example.org\"], found \"admin@example.org/phone\" (a bare JID has no '/resource')")
        var c = validConfiguration()
        c.service.admins = ["@example.org"]
        #expect(validationError(c)?.message.hasSuffix("(empty localpart before '@')") == true)
    }

    @Test func storage() {
        var c = validConfiguration()
        c.storage.path = ""
        #expect(validationError(c)?.key == "storage.path")
        c.storage.backend = .memory
        #expect(validationError(c) == nil)
    }

    @Test func language() {
        var c = validConfiguration()
        for tag in ["en", "pt-BR", "zh-Hant-TW", "de-1996"] {
            c.rooms.language = tag
            #expect(validationError(c) == nil, "\(tag)")
        }
        for tag in ["english language", "-en", "en-", "1en", "toolonglanguage"] {
            c.rooms.language = tag
            #expect(validationError(c)?.key == "rooms.language", "\(tag)")
        }
    }

    @Test func messagesEscapeStrangeValues() {
        var c = validConfiguration()
        c.rooms.language = "in\"fo\n"
        #expect(validationError(c)?.message.contains("found \"in\\\"fo\\u{a}\"") == true)
    }

    @Test func everyProblemIsListed() {
        let text = validHeader + "[log]\nlevel = \"loud\"\n[rooms]\nwhois = \"all\"\nallow_pm = \"all\"\n"
        let problems = Configuration.diagnose(text, source: "muc.toml")
        #expect(problems.map(\.line) == [6, 8, 9])
        #expect(problems.map(\.key) == ["log.level", "rooms.whois", "rooms.allow_pm"])
    }

    @Test func allKeysParse() throws {
        let text = """
        [component]
        domain = "Conference.Example.org"
        host = "xmpp.example.org"
        port = 5275
        secret_file = "/run/secrets/muc"
        keepalive_seconds = 30
        reconnect_initial_seconds = 1
        reconnect_max_seconds = 60.5
        connect_timeout_seconds = 5
        outgoing_queue_limit = 0
        [storage]
        backend = "memory"
        path = ""
        [log]
        level = "trace"
        [limits]
        max_stanza_bytes = 65536
        max_occupants_per_room = 0
        max_history_messages = 50
        max_rooms = 10000
        [service]
        name = "Rooms"
        room_creation = "local"
        admins = ["a@example.org"]
        allow_unaffiliated_registration = true
        [rooms]
        persistent = true
        public = false
        members_only = true
        moderated = true
        whois = "anyone"
        allow_invites = true
        allow_pm = "none"
        change_subject = true
        max_users = 0
        history_length = 50
        presence_broadcast = ["moderator"]
        get_member_list = []
        language = "fr"
        """
        let c = try Configuration.parse(text)
        #expect(c.component.domain == "Conference.Example.org")
        #expect(c.component.host == "xmpp.example.org")
        #expect(c.component.port == 5275)
        #expect(c.component.secret == .file("/run/secrets/muc"))
        #expect(c.component.keepaliveSeconds == 30)
        #expect(c.component.reconnectInitialSeconds == 1)
        #expect(c.component.reconnectMaxSeconds == 60.5)
        #expect(c.component.connectTimeoutSeconds == 5)
        #expect(c.component.outgoingQueueLimit == 0)
        #expect(c.storage.backend == .memory)
        #expect(c.storage.path == "")
        #expect(c.log.level == .trace)
        #expect(c.limits == {
            var l = Configuration.Limits()
            l.maxStanzaBytes = 65536
            l.maxOccupantsPerRoom = 0
            l.maxHistoryMessages = 50
            l.maxRooms = 10000
            return l
        }())
        #expect(c.service.name == "Rooms")
        #expect(c.service.roomCreation == .localUsers)
        #expect(c.service.admins == ["a@example.org"])
        #expect(c.service.allowUnaffiliatedRegistration)
        #expect(c.rooms.persistent && !c.rooms.public && c.rooms.membersOnly && c.rooms.moderated)
        #expect(c.rooms.whois == .anyone)
        #expect(c.rooms.allowInvites && c.rooms.changeSubject)
        #expect(c.rooms.allowPM == AllowPM.none)
        #expect(c.rooms.maxUsers == 0)
        #expect(c.rooms.historyLength == 50)
        #expect(c.rooms.presenceBroadcast == [.moderator])
        #expect(c.rooms.getMemberList == [])
        #expect(c.rooms.language == "fr")
    }
}
