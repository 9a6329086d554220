import Foundation
import Logging

/// Collects log lines so tests can check what an operator would read.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(Logger.Level, String)] = []

    var logger: Logger {
        var l = Logger(label: "test") { _ in Handler(capture: self) }
        l.logLevel = .debug
        return l
    }

    func messages(atLeast level: Logger.Level = .trace) -> [String] {
        lock.withLock { lines.filter { $0.0 >= level }.map(\.1) }
    }

    func contains(_ fragment: String, atLeast level: Logger.Level = .trace) -> Bool {
        messages(atLeast: level).contains { $0.contains(fragment) }
    }

    /// Waits until a line containing `fragment` is logged (or `seconds` pass); returns whether it was.
    func waitFor(_ fragment: String, atLeast level: Logger.Level = .trace, seconds: Double = 10) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if contains(fragment, atLeast: level) { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return contains(fragment, atLeast: level)
    }

    fileprivate func add(_ level: Logger.Level, _ message: String) { lock.withLock { lines.append((level, message)) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            capture.add(level, message.description)
        }
    }
}
