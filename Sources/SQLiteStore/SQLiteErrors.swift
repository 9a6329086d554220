import Foundation
import GRDB
import RoomStore

/// Turns SQLite and file system failures into operator-readable ``RoomStoreError``s naming the file.
enum SQLiteErrors {
    static func map(_ error: Error, path: String, doing action: String) -> RoomStoreError {
        if let error = error as? RoomStoreError { return error }
        guard let dbError = error as? DatabaseError else {
            return RoomStoreError(.failed, "room database \(path): \(action) failed: \(error)")
        }
        let detail = dbError.message ?? "\(dbError.resultCode)"
        switch dbError.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT, .SQLITE_FORMAT:
            return RoomStoreError(.corrupt, "room database \(path) is damaged or is not an SQLite file (\(detail)). "
                + "Stop the service, move the file (and any -wal/-shm files next to it) aside, and restore the last backup "
                + "(see docs/storage.md); moving it aside alone starts with no persistent rooms.")
        case .SQLITE_READONLY:
            return RoomStoreError(.readOnly, "room database \(path) is read-only (\(detail)): \(action) failed. "
                + "Make the file and its directory writable by the service's user.")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
            return RoomStoreError(.unavailable, "cannot open room database \(path) (\(detail)): \(action) failed. "
                + "Check that the path names a file (not a directory) in a directory the service's user can write.")
        case .SQLITE_FULL:
            return RoomStoreError(.unavailable, "room database \(path): disk full, \(action) failed. Free space on that file system.")
        case .SQLITE_IOERR:
            return RoomStoreError(.unavailable, "room database \(path): I/O error during \(action) (\(detail)). "
                + "Check the disk and the system log.")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return RoomStoreError(.unavailable, "room database \(path) is locked by another process (\(detail)): \(action) failed. "
                + "Only one service instance may use a database file.")
        case .SQLITE_CONSTRAINT:
            return RoomStoreError(.invalidRecord, "room database \(path) refused \(action) (\(detail)).")
        default:
            if detail.contains("no such table") {
                return RoomStoreError(.failed, "room database \(path): \(action) failed (\(detail)). "
                    + "The schema is missing: run the migration first.")
            }
            return RoomStoreError(.failed, "room database \(path): \(action) failed (\(detail)).")
        }
    }

    /// Creates the database's parent directory if needed and refuses paths that cannot hold a file.
    static func prepareLocation(_ path: String, readOnly: Bool) throws -> Void {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw RoomStoreError(.unavailable, "room database \(path) is a directory; "
                    + "the storage path must name a file (for example \(path)/rooms.sqlite).")
            }
            return
        }
        if readOnly {
            throw RoomStoreError(.unavailable, "no room database at \(path) (opened read-only, so it is not created).")
        }
        let parent = (path as NSString).deletingLastPathComponent
        guard !parent.isEmpty else { return }
        if fm.fileExists(atPath: parent, isDirectory: &isDirectory) {
            if !isDirectory.boolValue {
                throw RoomStoreError(.unavailable, "cannot create room database \(path): \(parent) is a file, not a directory.")
            }
            return
        }
        do {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw RoomStoreError(.unavailable, "cannot create directory \(parent) for room database \(path) "
                + "(\(error.localizedDescription)). Create it, or make its parent writable by the service's user.")
        }
    }
}

/// Flushes a directory's entries (a newly created database file) to disk, so a power cut cannot
/// make the file itself disappear. Best effort: some file systems refuse fsync on directories.
func syncDirectory(_ path: String) {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    _ = close(fd)
}
