import GRDB

/// The SQLite schema, as GRDB migrations. Each migration runs once, in its own transaction, and is
/// recorded in GRDB's `grdb_migrations` table; identifiers are "v<N>" and N is the schema version.
/// Never edit a released migration: add the next one.
enum SQLiteSchema {
    /// Version reached by the last migration below.
    static let currentVersion = 2

    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // One row per persistent room. `name` and `is_public` are copies of config fields so
            // that listings never decode the JSON; `record` holds the rest (see RoomDocument).
            try db.execute(sql: """
                CREATE TABLE rooms (
                    jid        TEXT PRIMARY KEY NOT NULL,
                    name       TEXT NOT NULL DEFAULT '',
                    is_public  INTEGER NOT NULL,
                    record     TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                -- Public listings page through this index only.
                CREATE INDEX rooms_public ON rooms(jid) WHERE is_public = 1;

                -- Affiliations in their own table so that operators can query them
                -- (e.g. every room a JID is banned from). `position` keeps the record's order.
                CREATE TABLE affiliations (
                    room        TEXT NOT NULL REFERENCES rooms(jid) ON DELETE CASCADE,
                    jid         TEXT NOT NULL,
                    affiliation TEXT NOT NULL CHECK (affiliation IN ('owner', 'admin', 'member', 'outcast')),
                    nick        TEXT,
                    reason      TEXT,
                    position    INTEGER NOT NULL,
                    PRIMARY KEY (room, jid)
                ) WITHOUT ROWID;
                CREATE INDEX affiliations_jid ON affiliations(jid);
                """)
        }
        migrator.registerMigration("v2") { db in
            // Rooms' message archives (XEP-0313). `seq` orders a room's messages (AUTOINCREMENT:
            // never reused, so an id's place stays put after expiry); `id` is the room's stanza
            // id. Every query starts with the room in one of these indexes; `archive_time` serves
            // retention across rooms.
            try db.execute(sql: """
                CREATE TABLE archive (
                    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                    room        TEXT NOT NULL,
                    id          TEXT NOT NULL,
                    time        REAL NOT NULL,
                    nick        TEXT NOT NULL,
                    sender      TEXT NOT NULL,
                    occupant_id TEXT NOT NULL,
                    stanza      TEXT NOT NULL
                );
                CREATE UNIQUE INDEX archive_room_id ON archive(room, id);
                CREATE INDEX archive_room_seq ON archive(room, seq);
                CREATE INDEX archive_room_time ON archive(room, time, seq);
                CREATE INDEX archive_room_sender ON archive(room, sender, seq);
                CREATE INDEX archive_time ON archive(time, seq);
                """)
        }
        return migrator
    }

    /// The version number of a migration identifier ("v3" → 3), nil for foreign identifiers.
    static func version(of identifier: String) -> Int? {
        guard identifier.hasPrefix("v") else { return nil }
        return Int(identifier.dropFirst())
    }
}
