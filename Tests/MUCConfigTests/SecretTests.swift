import Testing
import MUCConfig

/// The three secret sources; the environment is passed in, never mutated.
@Suite struct SecretTests {
    @Test func literal() throws {
        let c = try Configuration.parse(validHeader)
        #expect(try c.resolveSecret(environment: [:]) == "s3cret")
    }

    @Test func fromFileWithoutTrailingLineBreak() throws {
        for content in ["file-secret\n", "file-secret\r\n", "file-secret", "file-secret\n\n"] {
            let file = try TemporaryFile(contents: content)
            defer { file.remove() }
            let c = try Configuration.parse("[component]\ndomain = \"conference.example.org\"\nsecret_file = \"\(file.path)\"\n")
            #expect(c.component.secret == .file(file.path))
            #expect(try c.resolveSecret(environment: [:]) == "file-secret")
        }
    }

    @Test func fileKeepsInnerWhitespace() throws {
        let file = try TemporaryFile(contents: " two words \n")
        defer { file.remove() }
        var c = validConfiguration()
        c.component.secret = .file(file.path)
        #expect(try c.resolveSecret(environment: [:]) == " two words ")
    }

    @Test func missingFile() {
        var c = validConfiguration()
        c.component.secret = .file("/nonexistent/muc-secret")
        let error = secretError(c)
        #expect(error?.key == "component.secret_file")
        #expect(error?.message == "cannot read the secret file '/nonexistent/muc-secret' named by 'component.secret_file': no such file (create it holding the secret of the XMPP server's component entry, or fix the path)")
    }

    @Test func directoryInsteadOfFile() {
        var c = validConfiguration()
        c.component.secret = .file(Fixture.directory)
        #expect(secretError(c)?.message.contains("it is a directory") == true)
    }

    @Test func emptyFile() throws {
        let file = try TemporaryFile(contents: "\n")
        defer { file.remove() }
        var c = validConfiguration()
        c.component.secret = .file(file.path)
        #expect(secretError(c)?.message == "the secret file '\(file.path)' named by 'component.secret_file' is empty: write the component secret into it")
    }

    @Test func fromEnvironment() throws {
        let c = try Configuration.parse("[component]\ndomain = \"conference.example.org\"\nsecret_env = \"MUC_TEST_SECRET\"\n")
        #expect(c.component.secret == .environment("MUC_TEST_SECRET"))
        #expect(try c.resolveSecret(environment: ["MUC_TEST_SECRET": "env-secret", "OTHER": "x"]) == "env-secret")
    }

    @Test func environmentVariableUnsetOrEmpty() {
        var c = validConfiguration()
        c.component.secret = .environment("MUC_TEST_SECRET")
        #expect(secretError(c, [:])?.message == "the environment variable MUC_TEST_SECRET named by 'component.secret_env' is not set: export it with the component secret before starting the service")
        #expect(secretError(c, ["MUC_TEST_SECRET": ""])?.message == "the environment variable MUC_TEST_SECRET named by 'component.secret_env' is empty: set it to the component secret")
    }

    @Test func emptySources() {
        var c = validConfiguration()
        c.component.secret = .literal("")
        #expect(secretError(c)?.key == "component.secret")
        c.component.secret = .environment("")
        #expect(secretError(c)?.key == "component.secret_env")
        #expect(validationError(c)?.key == "component.secret_env")
        c.component.secret = .file("")
        #expect(secretError(c)?.key == "component.secret_file")
        #expect(validationError(c)?.key == "component.secret_file")
    }

    @Test func emptyLiteralInFileIsReportedOnItsLine() {
        let error = parseError("[component]\ndomain = \"conference.example.org\"\nsecret = \"\"\n")
        #expect(error?.line == 3)
        #expect(error?.key == "component.secret")
    }

    @Test func printingNeverShowsALiteralSecret() throws {
        let c = try Configuration.parse(validHeader)
        #expect(!String(describing: c).contains("s3cret"))
        #expect(!String(reflecting: c).contains("s3cret"))
        #expect(String(describing: c.component.secret) == "literal(<redacted>)")
        #expect(String(describing: Configuration.Secret.environment("X")) == "environment(X)")
    }
}
