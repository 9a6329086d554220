import Foundation
import MUCConfig

/// Paths of the files under `Fixtures/config`.
enum Fixture {
    static let directory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // MUCConfigTests
        .deletingLastPathComponent()   // Tests
        .deletingLastPathComponent()   // package root
        .appendingPathComponent("Fixtures/config").path

    static func path(_ name: String) -> String { directory + "/" + name }
}

/// A temporary file, removed by `remove()`; tests write secrets into these.
struct TemporaryFile {
    let path: String

    init(contents: String) throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("muc-config-test-\(UUID().uuidString)").path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The error `parse` throws for `text`, nil when it succeeds.
func parseError(_ text: String, source: String = "muc.toml") -> ConfigError? {
    do throws(ConfigError) {
        _ = try Configuration.parse(text, source: source)
        return nil
    } catch {
        return error
    }
}

/// The error `validate` throws, nil when the configuration is valid.
func validationError(_ configuration: Configuration) -> ConfigError? {
    do throws(ConfigError) {
        try configuration.validate()
        return nil
    } catch {
        return error
    }
}

/// The error `resolveSecret` throws, nil when it succeeds.
func secretError(_ configuration: Configuration, _ environment: [String: String] = [:]) -> ConfigError? {
    do throws(ConfigError) {
        _ = try configuration.resolveSecret(environment: environment)
        return nil
    } catch {
        return error
    }
}

/// A valid configuration to vary in tests.
func validConfiguration() -> Configuration {
    var c = Configuration()
    c.component.domain = "conference.example.org"
    c.component.secret = .literal("s3cret")
    return c
}

/// The start of a valid file: four lines (the last blank), so text appended starts on line 5.
let validHeader = "[component]\ndomain = \"conference.example.org\"\nsecret = \"s3cret\"\n\n"
