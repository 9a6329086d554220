/// The PostgreSQL schema, as numbered migrations recorded in `schema_migrations`. Each runs once,
/// inside the migrating transaction. Never edit a released migration: append the next one.
///
/// JIDs use the "C" collation so that `ORDER BY jid` is byte order, the same as SQLite's and
/// the memory store's, whatever the database's default collation.
enum PostgresSchema {
    struct Migration {
        let version: Int
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(version: 1, statements: [
            """
            CREATE TABLE rooms (
                jid        TEXT COLLATE "C" PRIMARY KEY,
                name       TEXT NOT NULL DEFAULT '',
                is_public  BOOLEAN NOT NULL,
                record     JSONB NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX rooms_public ON rooms (jid) WHERE is_public",
            """
            CREATE TABLE affiliations (
                room        TEXT COLLATE "C" NOT NULL REFERENCES rooms (jid) ON DELETE CASCADE,
                jid         TEXT COLLATE "C" NOT NULL,
                affiliation TEXT NOT NULL CHECK (affiliation IN ('owner', 'admin', 'member', 'outcast')),
                nick        TEXT,
                reason      TEXT,
                position    INTEGER NOT NULL,
                PRIMARY KEY (room, jid)
            )
            """,
            "CREATE INDEX affiliations_jid ON affiliations (jid)",
        ]),
        // Rooms' message archives (XEP-0313): `seq` orders a room's messages, `id` is the room's
        // stanza id. Every query starts with the room in one of these indexes; `archive_time`
        // serves retention across rooms.
        Migration(version: 2, statements: [
            """
            CREATE TABLE archive (
                seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                room        TEXT COLLATE "C" NOT NULL,
                id          TEXT COLLATE "C" NOT NULL,
                time        DOUBLE PRECISION NOT NULL,
                nick        TEXT NOT NULL,
                sender      TEXT COLLATE "C" NOT NULL,
                occupant_id TEXT NOT NULL,
                stanza      TEXT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX archive_room_id ON archive (room, id)",
            "CREATE INDEX archive_room_seq ON archive (room, seq)",
            "CREATE INDEX archive_room_time ON archive (room, time, seq)",
            "CREATE INDEX archive_room_sender ON archive (room, sender, seq)",
            "CREATE INDEX archive_time ON archive (time, seq)",
        ]),
    ]

    static var currentVersion: Int { migrations.last?.version ?? 0 }

    static let createMigrationsTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """

    /// Serialises concurrent migrators (two instances starting at once); an arbitrary constant.
    static let migrationLockKey = 0x4D55_4301
}
