import Logging
import MUC
import PostgresNIO
import RoomStore
import XMPPCore

/// The archive lives in the rooms' database, in its own table (schema v2).
extension PostgresRoomStore: ArchiveStore {
    /// Rows per INSERT statement (7 parameters each; the protocol allows 65 535).
    static let archiveRowsPerInsert = 1_000

    public func append(_ messages: [ArchivedMessage]) async throws {
        guard !messages.isEmpty else { return }
        let logger = self.logger
        _ = try await run("archiving \(messages.count) messages") { connection in
            try await connection.withTransaction(logger: logger) { tx in
                var start = 0
                while start < messages.count {
                    let end = min(start + Self.archiveRowsPerInsert, messages.count)
                    var binds = PostgresBindings(capacity: (end - start) * 7)
                    var sql = "INSERT INTO archive (room, id, time, nick, sender, occupant_id, stanza) VALUES "
                    for i in start..<end {
                        let m = messages[i]
                        let base = binds.count
                        if i > start { sql += ", " }
                        sql += "(" + (1...7).map { "$\(base + $0)" }.joined(separator: ", ") + ")"
                        binds.append(m.room.description)
                        binds.append(m.id)
                        binds.append(m.time)
                        binds.append(m.nick)
                        binds.append(m.sender.description)
                        binds.append(m.occupantID)
                        binds.append(m.stanza)
                    }
                    try await tx.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                    start = end
                }
            }
        }
    }

    public func query(_ query: ArchiveQuery) async throws -> ArchivePage? {
        let logger = self.logger
        let place = "PostgreSQL at \(configuration.endpoint)"
        return try await run("reading the archive of \(query.room)") { connection -> ArchivePage? in
            var binds = PostgresBindings()
            binds.append(query.room.description)
            var filter = "room = $1"
            if let start = query.start { binds.append(start); filter += " AND time >= $\(binds.count)" }
            if let end = query.end { binds.append(end); filter += " AND time <= $\(binds.count)" }
            if let with = query.with { binds.append(with.description); filter += " AND sender = $\(binds.count)" }
            var count: Int? = nil
            if query.wantsCount {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM archive WHERE \(filter)", binds: binds),
                                                      logger: logger)
                for try await value in rows.decode(Int.self) { count = value }
            }
            var sql = "SELECT room, id, time, nick, sender, occupant_id, stanza FROM archive WHERE \(filter)"
            switch query.page {
            case .first, .last:
                break
            case .after(let id), .before(let id):
                let key = query.room.description
                var anchor: Int? = nil
                let rows = try await connection.query("SELECT seq FROM archive WHERE room = \(key) AND id = \(id)", logger: logger)
                for try await seq in rows.decode(Int.self) { anchor = seq }
                guard let anchor else { return nil }
                binds.append(anchor)
                sql += query.readsBackwards ? " AND seq < $\(binds.count)" : " AND seq > $\(binds.count)"
            }
            binds.append(query.max + 1)
            sql += query.readsBackwards ? " ORDER BY seq DESC LIMIT $\(binds.count)" : " ORDER BY seq LIMIT $\(binds.count)"
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            var read: [ArchivedMessage] = []
            for try await (roomText, id, time, nick, senderText, occupantID, stanza)
                in rows.decode((String, String, Double, String, String, String, String).self) {
                guard let room = try? BareJID(roomText), let sender = try? BareJID(senderText) else {
                    throw RoomStoreError(.corrupt, "\(place): an archived message of room \(roomText) has an unreadable "
                        + "room or sender JID (\(senderText)); delete that row from the archive table.")
                }
                read.append(ArchivedMessage(room: room, id: id, time: time, nick: nick, sender: sender,
                                            occupantID: occupantID, stanza: stanza))
            }
            return ArchivePage(read: read, for: query, count: count)
        }
    }

    public func replace(room: BareJID, id: String, stanza: String) async throws -> Bool {
        let logger = self.logger
        let key = room.description
        return try await run("replacing message \(id) in the archive of \(room)") { connection in
            let rows = try await connection.query("""
                UPDATE archive SET stanza = \(stanza) WHERE room = \(key) AND id = \(id) RETURNING seq
                """, logger: logger)
            var found = false
            for try await _ in rows.decode(Int.self) { found = true }
            return found
        }
    }

    public func deleteArchive(of room: BareJID) async throws {
        let logger = self.logger
        let key = room.description
        _ = try await run("deleting the archive of \(room)") { connection in
            try await connection.query("DELETE FROM archive WHERE room = \(key)", logger: logger)
        }
    }

    public func expire(before time: Double, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        let logger = self.logger
        return try await run("expiring archived messages") { connection in
            let rows = try await connection.query("""
                WITH gone AS (
                    DELETE FROM archive WHERE seq IN (
                        SELECT seq FROM archive WHERE time < \(time) ORDER BY time, seq LIMIT \(limit))
                    RETURNING 1)
                SELECT count(*)::bigint FROM gone
                """, logger: logger)
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }

    public func trim(room: BareJID, keeping: Int, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        let logger = self.logger
        let key = room.description
        let keep = max(0, keeping)
        return try await run("trimming the archive of \(room)") { connection in
            // The (keeping+1)-th newest message and everything before it go, oldest first.
            let rows = try await connection.query("""
                WITH gone AS (
                    DELETE FROM archive WHERE seq IN (
                        SELECT seq FROM archive WHERE room = \(key) AND seq <= (
                            SELECT seq FROM archive WHERE room = \(key) ORDER BY seq DESC LIMIT 1 OFFSET \(keep))
                        ORDER BY seq LIMIT \(limit))
                    RETURNING 1)
                SELECT count(*)::bigint FROM gone
                """, logger: logger)
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }

    public func archivedRooms(after: BareJID?, limit: Int) async throws -> [BareJID] {
        guard limit > 0 else { return [] }
        let logger = self.logger
        return try await run("listing archived rooms") { connection in
            // One index probe per room (a loose index scan), not a scan of every message.
            let rows = try await connection.query("""
                WITH RECURSIVE r(room, n) AS (
                    (SELECT room, 1 FROM archive WHERE room > \(after?.description ?? "") ORDER BY room LIMIT 1)
                    UNION ALL
                    SELECT (SELECT a.room FROM archive a WHERE a.room > r.room ORDER BY a.room LIMIT 1), r.n + 1
                    FROM r WHERE r.room IS NOT NULL AND r.n < \(limit))
                SELECT room FROM r WHERE room IS NOT NULL
                """, logger: logger)
            var rooms: [BareJID] = []
            for try await text in rows.decode(String.self) {
                guard let jid = try? BareJID(text) else {
                    throw RoomStoreError(.corrupt, "the archive holds messages of an unreadable room JID (\(text)); "
                        + "delete its rows from the archive table.")
                }
                rooms.append(jid)
            }
            return rooms
        }
    }

    public func archiveSize(of room: BareJID?) async throws -> ArchiveSize {
        let logger = self.logger
        return try await run("measuring the archive") { connection in
            let rows: PostgresRowSequence
            if let room {
                rows = try await connection.query("""
                    SELECT count(*)::bigint, coalesce(sum(octet_length(stanza)), 0)::bigint, min(time), max(time)
                    FROM archive WHERE room = \(room.description)
                    """, logger: logger)
            } else {
                rows = try await connection.query("""
                    SELECT count(*)::bigint, coalesce(sum(octet_length(stanza)), 0)::bigint, min(time), max(time) FROM archive
                    """, logger: logger)
            }
            var size = ArchiveSize()
            for try await (messages, bytes, oldest, newest) in rows.decode((Int, Int, Double?, Double?).self) {
                size = ArchiveSize(messages: messages, stanzaBytes: bytes, oldest: oldest, newest: newest)
            }
            return size
        }
    }

    /// Bytes the archive table takes with its indexes and TOAST (`pg_total_relation_size`): what
    /// `muc-bench archive-store` reports per message.
    public func archiveRelationBytes() async throws -> Int {
        let logger = self.logger
        return try await run("measuring the archive table") { connection in
            let rows = try await connection.query("SELECT pg_total_relation_size('archive')::bigint", logger: logger)
            var bytes = 0
            for try await value in rows.decode(Int.self) { bytes = value }
            return bytes
        }
    }
}
