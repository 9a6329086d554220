import Foundation
import Testing

/// The real `muc-component` process under SIGTERM and SIGINT: it closes the stream and exits 0.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SignalTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func signalClosesTheStreamAndExitsCleanly(_ signal: Int32) async throws {
        let server = TestComponentServer(secret: "sig-secret")
        try await server.start()
        defer { Task { await server.stop() } }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("muc-sig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("muc.toml").path
        try """
        [component]
        domain = "conference.localhost"
        port = \(server.port)
        secret = "sig-secret"
        [storage]
        backend = "memory"
        [log]
        level = "error"
        """.write(toFile: config, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["run", "--config", config]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(await server.next(within: 30) { $0 == .handshake(accepted: true) } == .handshake(accepted: true))
        kill(process.processIdentifier, signal)
        #expect(await server.next(within: 30) { $0 == .streamClosedByComponent } == .streamClosedByComponent)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
