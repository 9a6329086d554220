import GRDB
import MUC
import RoomStore
import XMPPCore

/// The archive lives in the rooms' database file, in its own table (schema v2), and commits
/// with the same `synchronous = FULL`.
extension SQLiteRoomStore: ArchiveStore {
    public func append(_ messages: [ArchivedMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await perform("archiving \(messages.count) messages") {
            try await self.writer.write { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO archive (room, id, time, nick, sender, occupant_id, stanza) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for m in messages {
                    try insert.execute(arguments: [m.room.description, m.id, m.time, m.nick, m.sender.description,
                                                   m.occupantID, m.stanza])
                }
            }
        }
    }

    public func query(_ query: ArchiveQuery) async throws -> ArchivePage? {
        let room = query.room.description
        return try await perform("reading the archive of \(query.room)") {
            try await self.writer.read { db -> ArchivePage? in
                var filter = "room = ?"
                var arguments: StatementArguments = [room]
                if let start = query.start { filter += " AND time >= ?"; arguments += [start] }
                if let end = query.end { filter += " AND time <= ?"; arguments += [end] }
                if let with = query.with { filter += " AND sender = ?"; arguments += [with.description] }
                var count: Int? = nil
                if query.wantsCount {
                    count = try Int.fetchOne(db, sql: "SELECT count(*) FROM archive WHERE \(filter)", arguments: arguments)
                }
                var sql = "SELECT room, id, time, nick, sender, occupant_id, stanza FROM archive WHERE \(filter)"
                var pageArguments = arguments
                switch query.page {
                case .first, .last:
                    break
                case .after(let id), .before(let id):
                    guard let anchor = try Int.fetchOne(db, sql: "SELECT seq FROM archive WHERE room = ? AND id = ?",
                                                        arguments: [room, id]) else { return nil }
                    sql += query.readsBackwards ? " AND seq < ?" : " AND seq > ?"
                    pageArguments += [anchor]
                }
                sql += query.readsBackwards ? " ORDER BY seq DESC LIMIT ?" : " ORDER BY seq LIMIT ?"
                pageArguments += [query.max + 1]
                var read: [ArchivedMessage] = []
                let rows = try Row.fetchCursor(db, sql: sql, arguments: pageArguments)
                while let row = try rows.next() { read.append(try Self.message(row)) }
                return ArchivePage(read: read, for: query, count: count)
            }
        }
    }

    public func replace(room: BareJID, id: String, stanza: String) async throws -> Bool {
        try await perform("replacing message \(id) in the archive of \(room)") {
            try await self.writer.write { db in
                try db.execute(sql: "UPDATE archive SET stanza = ? WHERE room = ? AND id = ?",
                               arguments: [stanza, room.description, id])
                return db.changesCount > 0
            }
        }
    }

    public func deleteArchive(of room: BareJID) async throws {
        try await perform("deleting the archive of \(room)") {
            try await self.writer.write { db in
                try db.execute(sql: "DELETE FROM archive WHERE room = ?", arguments: [room.description])
            }
        }
    }

    public func expire(before time: Double, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await perform("expiring archived messages") {
            try await self.writer.write { db in
                try db.execute(sql: """
                    DELETE FROM archive WHERE seq IN (SELECT seq FROM archive WHERE time < ? ORDER BY time, seq LIMIT ?)
                    """, arguments: [time, limit])
                return db.changesCount
            }
        }
    }

    public func trim(room: BareJID, keeping: Int, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await perform("trimming the archive of \(room)") {
            try await self.writer.write { db in
                // The (keeping+1)-th newest message and everything before it go, oldest first;
                // both lookups walk the (room, seq) index.
                try db.execute(sql: """
                    DELETE FROM archive WHERE seq IN (
                        SELECT seq FROM archive WHERE room = ?1 AND seq <= (
                            SELECT seq FROM archive WHERE room = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)
                        ORDER BY seq LIMIT ?3)
                    """, arguments: [room.description, max(0, keeping), limit])
                return db.changesCount
            }
        }
    }

    public func archivedRooms(after: BareJID?, limit: Int) async throws -> [BareJID] {
        try await perform("listing archived rooms") {
            try await self.writer.read { db in
                // One index probe per room (not a scan of every message, as DISTINCT would be).
                var rooms: [BareJID] = []
                var cursor = after?.description
                while rooms.count < limit {
                    let next: String?
                    if let cursor {
                        next = try String.fetchOne(db, sql: "SELECT room FROM archive WHERE room > ? ORDER BY room LIMIT 1",
                                                   arguments: [cursor])
                    } else {
                        next = try String.fetchOne(db, sql: "SELECT room FROM archive ORDER BY room LIMIT 1")
                    }
                    guard let next else { break }
                    guard let jid = try? BareJID(next) else {
                        throw RoomStoreError(.corrupt, "the archive holds messages of an unreadable room JID (\(next)); "
                            + "delete its rows from the archive table.")
                    }
                    rooms.append(jid)
                    cursor = next
                }
                return rooms
            }
        }
    }

    public func archiveSize(of room: BareJID?) async throws -> ArchiveSize {
        try await perform("measuring the archive") {
            try await self.writer.read { db in
                let sql = "SELECT count(*), coalesce(sum(length(CAST(stanza AS BLOB))), 0), min(time), max(time) FROM archive"
                let row: Row?
                if let room {
                    row = try Row.fetchOne(db, sql: sql + " WHERE room = ?", arguments: [room.description])
                } else {
                    row = try Row.fetchOne(db, sql: sql)
                }
                guard let row else { return ArchiveSize() }
                return ArchiveSize(messages: row[0], stanzaBytes: row[1], oldest: row[2], newest: row[3])
            }
        }
    }

    /// One archive row; a row that does not read back is reported as damage, naming the room.
    static func message(_ row: Row) throws -> ArchivedMessage {
        let roomText: String = row[0]
        let senderText: String = row[4]
        guard let room = try? BareJID(roomText), let sender = try? BareJID(senderText) else {
            throw RoomStoreError(.corrupt, "an archived message of room \(roomText) has an unreadable room or sender JID "
                + "(\(senderText)); delete that row from the archive table.")
        }
        return ArchivedMessage(room: room, id: row[1], time: row[2], nick: row[3], sender: sender,
                               occupantID: row[5], stanza: row[6])
    }
}
