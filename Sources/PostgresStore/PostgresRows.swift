import Foundation
import Logging
import MUC
import PostgresNIO
import RoomStore
import XMPPCore

/// The SQL that maps records to rows and back.
enum PostgresRows {
    /// Affiliation rows per INSERT statement (6 parameters each; the protocol allows 65 535).
    static let rowsPerInsert = 1_000

    /// Writes the room's row and the affiliation rows `changes` names: all of them (replaced) for
    /// `.everything`, else only the listed JIDs' (upserted, or deleted when the record no longer
    /// has them). The caller's transaction makes it atomic.
    static func write(_ record: RoomRecord, json: String, changes: RoomChanges, on connection: PostgresConnection,
                      logger: Logger) async throws {
        let key = record.jid.description
        try await connection.query("""
            INSERT INTO rooms (jid, name, is_public, record, updated_at)
            VALUES (\(key), \(record.config.name), \(record.config.isPublic), \(json)::jsonb, now())
            ON CONFLICT (jid) DO UPDATE SET
                name = EXCLUDED.name, is_public = EXCLUDED.is_public,
                record = EXCLUDED.record, updated_at = EXCLUDED.updated_at
            """, logger: logger)
        if let changed = changes.affiliations {
            let (kept, removed) = record.split(changed)
            for (position, entry) in kept {
                try await connection.query("""
                    INSERT INTO affiliations (room, jid, affiliation, nick, reason, position)
                    VALUES (\(key), \(entry.jid.description), \(entry.affiliation.rawValue), \(entry.nick), \(entry.reason), \(position))
                    ON CONFLICT (room, jid) DO UPDATE SET
                        affiliation = EXCLUDED.affiliation, nick = EXCLUDED.nick, reason = EXCLUDED.reason,
                        position = EXCLUDED.position
                    """, logger: logger)
            }
            for jid in removed {
                try await connection.query("DELETE FROM affiliations WHERE room = \(key) AND jid = \(jid.description)",
                                           logger: logger)
            }
            return
        }
        try await connection.query("DELETE FROM affiliations WHERE room = \(key)", logger: logger)
        var start = 0
        let entries = record.affiliations
        while start < entries.count {
            let end = min(start + rowsPerInsert, entries.count)
            var binds = PostgresBindings(capacity: (end - start) * 6)
            var sql = "INSERT INTO affiliations (room, jid, affiliation, nick, reason, position) VALUES "
            for position in start..<end {
                let entry = entries[position]
                let base = binds.count
                if position > start { sql += ", " }
                sql += "($\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4), $\(base + 5), $\(base + 6))"
                binds.append(key)
                binds.append(entry.jid.description)
                binds.append(entry.affiliation.rawValue)
                binds.append(entry.nick)
                binds.append(entry.reason)
                binds.append(position)
            }
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            start = end
        }
    }

    /// Reads the `[[jid, affiliation, nick, reason], ...]` array built by `load`'s query.
    static func decodeAffiliations(_ json: String, room: String, place: String) throws -> [AffiliationRecord] {
        let rows: [[String?]]
        do {
            rows = try JSONDecoder().decode([[String?]].self, from: Data(json.utf8))
        } catch {
            throw RoomStoreError(.corrupt, "\(place): affiliations of room \(room) cannot be read (\(error))")
        }
        var result: [AffiliationRecord] = []
        result.reserveCapacity(rows.count)
        for row in rows {
            guard row.count == 4, let jidText = row[0], let affiliationText = row[1],
                  let jid = try? BareJID(jidText), let affiliation = Affiliation(rawValue: affiliationText) else {
                throw RoomStoreError(.corrupt, "\(place): room \(room) has an unreadable affiliation row \(row); "
                    + "fix or delete it in the affiliations table.")
            }
            result.append(AffiliationRecord(jid: jid, affiliation: affiliation, nick: row[2], reason: row[3]))
        }
        return result
    }
}
