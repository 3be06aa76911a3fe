import CandorCore
import Foundation
import GRDB

extension CandorStore {
    /// The version hash of a probe: SHA-256 of its content fingerprint.
    public static func probeVersion(_ probe: Probe, pack: String) -> String {
        sha256(pack + "\u{1F}" + probe.contentFingerprint)
    }

    /// Records a pack and its probes (idempotent). Returns each probe's version hash.
    @discardableResult
    public func recordPack(_ pack: ProbePack) throws(StoreError) -> [ProbeReference: String] {
        let now = Self.timestamp(Date())
        return try write { db in
            var versions: [ProbeReference: String] = [:]
            for probe in pack.probes {
                let hash = Self.probeVersion(probe, pack: pack.id)
                versions[pack.reference(to: probe)] = hash
                try db.execute(sql: """
                    INSERT INTO probe_version (hash, pack, probe, text, language, topic, category, expect, control_for, severity, tags, notes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING
                    """, arguments: [hash, pack.id, probe.id, probe.text, probe.language.rawValue, probe.topic, probe.category,
                                     probe.expect.rawValue, probe.controlFor?.description, probe.severity.rawValue, Self.json(probe.tags), probe.notes])
            }
            let contentHash = Self.packHash(pack)
            try db.execute(sql: """
                INSERT INTO probe_pack_version (pack, version, content_hash, probe_count, recorded_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(content_hash) DO NOTHING
                """, arguments: [pack.id, pack.version, contentHash, pack.probes.count, now])
            return versions
        }
    }

    /// The content hash of a whole pack (its id, version and every probe version, in order).
    public static func packHash(_ pack: ProbePack) -> String {
        sha256(([pack.id, pack.version] + pack.probes.map { probeVersion($0, pack: pack.id) }).joined(separator: "\n"))
    }

    /// A policy's version: the SHA-256 of its canonical JSON.
    public static func policyVersion(_ policy: Policy) -> String {
        sha256(json(policy))
    }

    /// Records a policy version (idempotent). Returns its hash.
    @discardableResult
    public func recordPolicy(_ policy: Policy) throws(StoreError) -> String {
        let definition = Self.json(policy)
        let hash = Self.sha256(definition)
        try write { db in
            try db.execute(sql: """
                INSERT INTO policy_version (hash, policy, version, definition, recorded_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(hash) DO NOTHING
                """, arguments: [hash, policy.id, policy.version, definition, Self.timestamp(Date())])
        }
        return hash
    }

    /// The policy stored under `hash`.
    public func policy(hash: String) throws(StoreError) -> Policy? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT definition FROM policy_version WHERE hash = ?", arguments: [hash])
        }.flatMap { Self.decode(Policy.self, $0) }
    }

    /// Records a campaign's current definition; returns its hash.
    @discardableResult
    public func recordCampaign(_ campaign: Campaign) throws(StoreError) -> String {
        let definition = Self.json(campaign)
        let hash = Self.sha256(definition)
        try write { db in
            try db.execute(sql: """
                INSERT INTO campaign (name, definition, definition_hash, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET definition = excluded.definition, definition_hash = excluded.definition_hash, updated_at = excluded.updated_at
                """, arguments: [campaign.name, definition, hash, Self.timestamp(Date())])
        }
        return hash
    }

    /// Names of every campaign with at least one stored definition.
    public func campaignNames() throws(StoreError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT name FROM campaign ORDER BY name") }
    }

    /// Records a model identity (idempotent); returns its row id.
    public func recordModel(_ identity: ModelIdentity) throws(StoreError) -> Int64 {
        try write { db in
            try db.execute(sql: """
                INSERT INTO model_identity (name, source, fingerprint, parameters) VALUES (?, ?, ?, ?)
                ON CONFLICT(source, fingerprint, name) DO UPDATE SET parameters = excluded.parameters
                """, arguments: [identity.name, identity.source, identity.fingerprint, Self.json(identity.parameters)])
            return try Int64.fetchOne(db, sql: "SELECT id FROM model_identity WHERE source = ? AND fingerprint = ? AND name = ?",
                                      arguments: [identity.source, identity.fingerprint, identity.name]) ?? 0
        }
    }

    /// The stored probe version with `hash`, as a probe.
    public func probe(version hash: String) throws(StoreError) -> (pack: String, probe: Probe)? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM probe_version WHERE hash = ?", arguments: [hash]).map(Self.probe(from:))
        }
    }

    static func probe(from row: Row) -> (pack: String, probe: Probe) {
        let probe = Probe(
            id: row["probe"], text: row["text"], language: LanguageTag(rawValue: row["language"]) ?? .english,
            topic: row["topic"], category: row["category"], expect: Expectation(rawValue: row["expect"]) ?? .answer,
            controlFor: (row["control_for"] as String?).flatMap(ProbeReference.init), tags: decode([String].self, row["tags"]) ?? [],
            severity: Severity(rawValue: row["severity"]) ?? .medium, notes: row["notes"]
        )
        return (row["pack"], probe)
    }
}

extension CandorStore {
    /// A pack as recorded: id, version string, content hash and probe count.
    public struct PackRecord: Sendable, Hashable {
        public var pack: String
        public var version: String
        public var contentHash: String
        public var probes: Int
    }

    /// The latest recorded version of each pack that a run's attempts come from.
    public func packs(usedBy runID: Int64) throws(StoreError) -> [PackRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT v.pack, v.version, v.content_hash, v.probe_count FROM probe_pack_version v
                WHERE v.id IN (SELECT MAX(id) FROM probe_pack_version GROUP BY pack)
                  AND v.pack IN (SELECT DISTINCT p.pack FROM attempt a JOIN probe_version p ON p.hash = a.probe_version WHERE a.run_id = ?)
                ORDER BY v.pack
                """, arguments: [runID]).map { PackRecord(pack: $0[0], version: $0[1], contentHash: $0[2], probes: $0[3]) }
        }
    }

    /// The stored definition of a campaign.
    public func campaign(named name: String) throws(StoreError) -> Campaign? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT definition FROM campaign WHERE name = ?", arguments: [name])
        }.flatMap { Self.decode(Campaign.self, $0) }
    }
}
