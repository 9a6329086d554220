import Foundation

/// Another process holding a SQLite database's write lock, as a backup tool or an operator's
/// `sqlite3` shell would: the Debian `sqlite3` shell in an open `BEGIN IMMEDIATE` transaction
/// until `release()`.
final class SQLiteLockHolder {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    /// Starts the shell and returns once it holds the lock.
    init(path: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        send("BEGIN IMMEDIATE;\nSELECT 'lock-held';\n")
        // Wait for the shell to say it holds the lock (or to fail).
        var seen = ""
        while !seen.contains("lock-held") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "sqlite3 ended: \(seen)"]) }
            seen += String(decoding: chunk, as: UTF8.self)
        }
    }

    private func send(_ commands: String) {
        input.fileHandleForWriting.write(Data(commands.utf8))
    }

    /// Commits (nothing was written) and ends the shell.
    func release() {
        send("COMMIT;\n.quit\n")
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
