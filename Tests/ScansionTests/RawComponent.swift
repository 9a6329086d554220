import ScansionCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny component over a plain blocking socket, for fake-server tests: it writes what it is told
/// and collects what the server sends. Blocking calls run on a dispatch queue, with bounded waits.
final class RawComponent: @unchecked Sendable {
    enum Failure: Error, CustomStringConvertible {
        case connect(Int32)
        case timedOut(waitingFor: String, received: String)
        var description: String {
            switch self {
            case .connect(let e): return "connect failed: errno \(e)"
            case .timedOut(let what, let received): return "timed out waiting for \(what); received so far: \(received)"
            }
        }
    }

    private let fd: Int32
    private let queue = DispatchQueue(label: "raw-component")
    private var buffer: [UInt8] = []  // touched on `queue` only
    private var closedByPeer = false

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let e = errno
            close(fd)
            throw Failure.connect(e)
        }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Everything received so far.
    var received: String { queue.sync { String(decoding: buffer, as: UTF8.self) } }

    /// Waits until the received text contains `needle`; returns all text received so far.
    @discardableResult
    func waitFor(_ needle: String, timeout: TimeInterval = 5) async throws -> String {
        try await waitUntil(needle, timeout: timeout) { $0.contains(needle) }
    }

    /// Waits until `predicate` holds for the received text; returns all text received so far.
    func waitUntil(_ what: String, timeout: TimeInterval = 5, _ predicate: @escaping @Sendable (String) -> Bool) async throws -> String {
        try await onQueue { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                let text = String(decoding: buffer, as: UTF8.self)
                if predicate(text) { return text }
                if closedByPeer || !readSome(until: deadline) {
                    throw Failure.timedOut(waitingFor: what, received: text)
                }
            }
        }
    }

    /// Waits until the server closes the connection; returns everything received.
    @discardableResult
    func waitForClose(timeout: TimeInterval = 5) async throws -> String {
        try await onQueue { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            while !closedByPeer {
                if !readSome(until: deadline) {
                    throw Failure.timedOut(waitingFor: "the connection to close", received: String(decoding: buffer, as: UTF8.self))
                }
            }
            return String(decoding: buffer, as: UTF8.self)
        }
    }

    /// One read of what is available (or of EOF) before `deadline`; false on timeout.
    private func readSome(until deadline: Date) -> Bool {
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0 else { return false }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, Int32(remaining * 1000) + 1)
        guard ready > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 {
            closedByPeer = true
        } else {
            buffer += chunk[..<n]
        }
        return true
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    /// Opens the stream for `domain`, waits for the header and returns the stream id.
    func openStream(domain: String) async throws -> String {
        send("<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='\(domain)'>")
        let text = try await waitUntil("the stream header") { Self.streamID(in: $0) != nil }
        return Self.streamID(in: text) ?? ""
    }

    static func streamID(in text: String) -> String? {
        guard let start = text.range(of: " id='"), let end = text[start.upperBound...].firstIndex(of: "'") else { return nil }
        return String(text[start.upperBound ..< end])
    }
}
