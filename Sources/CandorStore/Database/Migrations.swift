import Foundation
import GRDB

/// The schema, as named migrations applied in order.
///
/// A migration that has shipped is never edited: databases in the field have already run it.
/// Change the schema by adding a new migration at the end.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (name, migrate) in all { migrator.registerMigration(name, migrate: migrate) }
        return migrator
    }

    /// Every migration, in order. Tests apply a prefix to simulate an older database.
    static let all: [(String, @Sendable (Database) throws -> Void)] = [
        ("v1-initial", v1Initial),
        ("v2-finding-indexes", v2FindingIndexes),
        ("v3-schedule-slots", v3ScheduleSlots),
    ]

    private static func v1Initial(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE model_identity (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                source TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                parameters TEXT NOT NULL DEFAULT '{}',
                UNIQUE (source, fingerprint, name)
            );
            CREATE TABLE probe_pack_version (
                id INTEGER PRIMARY KEY,
                pack TEXT NOT NULL,
                version TEXT NOT NULL,
                content_hash TEXT NOT NULL UNIQUE,
                probe_count INTEGER NOT NULL,
                recorded_at TEXT NOT NULL
            );
            CREATE TABLE probe_version (
                hash TEXT PRIMARY KEY,
                pack TEXT NOT NULL,
                probe TEXT NOT NULL,
                text TEXT NOT NULL,
                language TEXT NOT NULL,
                topic TEXT NOT NULL,
                category TEXT NOT NULL,
                expect TEXT NOT NULL CHECK (expect IN ('answer', 'refuse')),
                control_for TEXT,
                severity TEXT NOT NULL,
                tags TEXT NOT NULL DEFAULT '[]',
                notes TEXT
            );
            CREATE TABLE policy_version (
                hash TEXT PRIMARY KEY,
                policy TEXT NOT NULL,
                version TEXT NOT NULL,
                definition TEXT NOT NULL,
                recorded_at TEXT NOT NULL
            );
            CREATE TABLE campaign (
                name TEXT PRIMARY KEY,
                definition TEXT NOT NULL,
                definition_hash TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE run (
                id INTEGER PRIMARY KEY,
                campaign TEXT NOT NULL REFERENCES campaign(name),
                target TEXT NOT NULL,
                model_id INTEGER NOT NULL REFERENCES model_identity(id),
                config_hash TEXT NOT NULL,
                seed INTEGER NOT NULL,
                status TEXT NOT NULL,
                started_at TEXT NOT NULL,
                finished_at TEXT,
                candor_version TEXT NOT NULL
            );
            CREATE TABLE attempt (
                id INTEGER PRIMARY KEY,
                run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                probe_version TEXT NOT NULL REFERENCES probe_version(hash),
                mutator TEXT NOT NULL,
                sample INTEGER NOT NULL,
                rendered_prompt TEXT NOT NULL,
                system_prompt TEXT,
                state TEXT NOT NULL CHECK (state IN ('pending', 'answered', 'failed')),
                answer TEXT,
                reasoning TEXT,
                prompt_tokens INTEGER,
                completion_tokens INTEGER,
                latency_seconds REAL,
                error TEXT,
                tries INTEGER NOT NULL DEFAULT 0,
                reported_model TEXT,
                request_parameters TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (run_id, probe_version, mutator, sample)
            );
            CREATE TABLE verdict (
                id INTEGER PRIMARY KEY,
                attempt_id INTEGER NOT NULL REFERENCES attempt(id) ON DELETE CASCADE,
                policy_version TEXT NOT NULL REFERENCES policy_version(hash),
                label TEXT NOT NULL,
                confidence REAL NOT NULL,
                outcome TEXT,
                severity TEXT,
                evidence TEXT NOT NULL DEFAULT '[]',
                created_at TEXT NOT NULL,
                UNIQUE (attempt_id, policy_version)
            );
            """)
    }

    /// One row per (campaign, scheduled time) a server has claimed: the primary key makes two
    /// servers sharing the database unable to run the same slot twice.
    private static func v3ScheduleSlots(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE schedule_slot (
                campaign TEXT NOT NULL,
                slot TEXT NOT NULL,
                claimed_by TEXT NOT NULL,
                claimed_at TEXT NOT NULL,
                PRIMARY KEY (campaign, slot)
            );
            """)
    }

    private static func v2FindingIndexes(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX attempt_by_run_state ON attempt(run_id, state);
            CREATE INDEX run_by_campaign ON run(campaign, started_at);
            CREATE INDEX verdict_by_attempt ON verdict(attempt_id, id);
            CREATE INDEX probe_version_by_probe ON probe_version(pack, probe);
            """)
    }
}

extension CandorStore {
    /// Every migration's name, in order.
    public static var migrationNames: [String] { Migrations.all.map(\.0) }

    /// Creates or migrates the database at `url` only up to and including `migration`.
    /// For upgrade tests: a database left at an older schema, as a previous release made it.
    public static func migrate(url: URL, through migration: String) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: url.path)
        try Migrations.migrator.migrate(queue, upTo: migration)
    }
}
