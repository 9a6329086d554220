import GRDB

/// The SQLite schema, as GRDB migrations. Each migration runs once, in its own transaction, and is
/// recorded in GRDB's `grdb_migrations` table; identifiers are "v<N>" and N is the schema version.
/// Never edit a released migration: add the next one.
enum SQLiteSchema {
    /// Version reached by the last migration below.
    static let currentVersion = 1

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
        return migrator
    }

    /// The version number of a migration identifier ("v3" → 3), nil for foreign identifiers.
    static func version(of identifier: String) -> Int? {
        guard identifier.hasPrefix("v") else { return nil }
        return Int(identifier.dropFirst())
    }
}
