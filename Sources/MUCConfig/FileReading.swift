#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads small files (the configuration, a secret) with POSIX calls, so a failure can say
/// exactly why, and with a size cap, so pointing a key at `/dev/zero` or a huge file fails
/// instead of exhausting memory.
enum FileReading {
    enum Failure: Error, Equatable {
        case noSuchFile
        case permissionDenied
        case isDirectory
        case tooLarge(limit: Int)
        case other(String)

        /// Completes "cannot read 'PATH': …".
        var reason: String {
            switch self {
            case .noSuchFile: return "no such file"
            case .permissionDenied: return "permission denied"
            case .isDirectory: return "it is a directory"
            case .tooLarge(let limit): return "larger than \(limit) bytes"
            case .other(let text): return text
            }
        }
    }

    static func contents(of path: String, limit: Int) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw failure(errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(errno)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { throw .tooLarge(limit: limit) }
        }
    }

    private static func failure(_ code: Int32) -> Failure {
        switch code {
        case ENOENT, ENOTDIR: return .noSuchFile
        case EACCES, EPERM: return .permissionDenied
        case EISDIR: return .isDirectory
        default:
            guard let text = strerror(code) else { return .other("error \(code)") }
            return .other(String(cString: text))
        }
    }
}
