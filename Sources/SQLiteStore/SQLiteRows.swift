import GRDB
import MUC
import RoomStore
import XMPPCore

/// The SQL that maps records to rows and back. Runs inside GRDB's read/write closures.
enum SQLiteRows {
    static let upsertRoom = """
        INSERT INTO rooms (jid, name, is_public, record, updated_at)
        VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ON CONFLICT(jid) DO UPDATE SET
            name = excluded.name, is_public = excluded.is_public,
            record = excluded.record, updated_at = excluded.updated_at
        """
    static let insertAffiliation = """
        INSERT INTO affiliations (room, jid, affiliation, nick, reason, position) VALUES (?, ?, ?, ?, ?, ?)
        """
    static let upsertAffiliation = insertAffiliation + """
         ON CONFLICT(room, jid) DO UPDATE SET
            affiliation = excluded.affiliation, nick = excluded.nick, reason = excluded.reason, position = excluded.position
        """

    /// Writes the room's row and the affiliation rows `changes` names: all of them (replaced) for
    /// `.everything`, else only the listed JIDs' (upserted, or deleted when the record no longer
    /// has them). The caller's transaction makes it atomic.
    static func write(_ record: RoomRecord, json: String, changes: RoomChanges, db: Database) throws {
        let key = record.jid.description
        try db.cachedStatement(sql: upsertRoom).execute(arguments: [key, record.config.name, record.config.isPublic, json])
        guard let changed = changes.affiliations else {
            try db.cachedStatement(sql: "DELETE FROM affiliations WHERE room = ?").execute(arguments: [key])
            guard !record.affiliations.isEmpty else { return }
            let insert = try db.cachedStatement(sql: insertAffiliation)
            for (position, entry) in record.affiliations.enumerated() {
                try insert.execute(arguments: [key, entry.jid.description, entry.affiliation.rawValue,
                                               entry.nick, entry.reason, position])
            }
            return
        }
        guard !changed.isEmpty else { return }
        let (kept, removed) = record.split(changed)
        let upsert = try db.cachedStatement(sql: upsertAffiliation)
        for (position, entry) in kept {
            try upsert.execute(arguments: [key, entry.jid.description, entry.affiliation.rawValue,
                                           entry.nick, entry.reason, position])
        }
        let delete = try db.cachedStatement(sql: "DELETE FROM affiliations WHERE room = ? AND jid = ?")
        for jid in removed { try delete.execute(arguments: [key, jid.description]) }
    }

    static func loadRecord(_ room: BareJID, db: Database, path: String) throws -> RoomRecord? {
        let key = room.description
        guard let json = try String.fetchOne(db, sql: "SELECT record FROM rooms WHERE jid = ?", arguments: [key]) else {
            return nil
        }
        let document = try RoomDocument.decode(json, room: key, place: "room database \(path)")
        var affiliations: [AffiliationRecord] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT jid, affiliation, nick, reason FROM affiliations WHERE room = ? ORDER BY jid
            """, arguments: [key])
        while let row = try rows.next() {
            let jidText: String = row[0]
            let affiliationText: String = row[1]
            guard let jid = try? BareJID(jidText), let affiliation = Affiliation(rawValue: affiliationText) else {
                throw RoomStoreError(.corrupt, "room database \(path): room \(key) has an unreadable affiliation "
                    + "(\(jidText), \(affiliationText)); fix or delete that row in the affiliations table.")
            }
            affiliations.append(AffiliationRecord(jid: jid, affiliation: affiliation, nick: row[2], reason: row[3]))
        }
        return document.record(jid: room, affiliations: affiliations)
    }

    static func list(after cursor: BareJID?, limit: Int, publicOnly: Bool, db: Database, path: String) throws -> [RoomSummary] {
        // Four fixed statements rather than optional predicates, so SQLite always walks an index
        // from the cursor (no OFFSET, no scan of skipped rows).
        let filter = publicOnly ? " AND is_public = 1" : ""
        let sql: String
        let arguments: StatementArguments
        if let cursor {
            sql = "SELECT jid, name, is_public FROM rooms WHERE jid > ?\(filter) ORDER BY jid LIMIT ?"
            arguments = [cursor.description, limit]
        } else {
            sql = "SELECT jid, name, is_public FROM rooms WHERE 1\(filter) ORDER BY jid LIMIT ?"
            arguments = [limit]
        }
        var result: [RoomSummary] = []
        result.reserveCapacity(limit)
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() {
            let jidText: String = row[0]
            guard let jid = try? BareJID(jidText) else {
                throw RoomStoreError(.corrupt, "room database \(path): stored room JID '\(jidText)' is invalid; "
                    + "fix or delete that row in the rooms table.")
            }
            result.append(RoomSummary(jid: jid, name: row[1], isPublic: row[2]))
        }
        return result
    }
}
