import CandorCore
import Foundation
import GRDB

extension CandorStore {
    /// Inserts attempts as pending, in one transaction. An attempt whose key (run, probe version,
    /// mutator, sample) is already stored is left exactly as it is. Returns how many were new.
    @discardableResult
    public func insertPending(_ attempts: [Attempt], requestParameters: [AttemptKey: String] = [:]) throws(StoreError) -> Int {
        let now = Self.timestamp(Date())
        return try write { db in
            var inserted = 0
            let statement = try db.cachedStatement(sql: """
                INSERT INTO attempt (run_id, probe_version, mutator, sample, rendered_prompt, system_prompt, state, tries, request_parameters, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
                ON CONFLICT(run_id, probe_version, mutator, sample) DO NOTHING
                """)
            for attempt in attempts {
                let key = attempt.key
                try statement.execute(arguments: [key.runID, key.probeVersion, key.mutator, key.sample, attempt.renderedPrompt,
                                                  attempt.systemPrompt, requestParameters[key], now, now])
                inserted += db.changesCount
            }
            return inserted
        }
    }

    /// Keys of the run's attempts still pending.
    public func pendingKeys(run id: Int64) throws(StoreError) -> Set<AttemptKey> {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT probe_version, mutator, sample FROM attempt WHERE run_id = ? AND state = 'pending'", arguments: [id])
            return Set(rows.map { AttemptKey(runID: id, probeVersion: $0["probe_version"], mutator: $0["mutator"], sample: $0["sample"]) })
        }
    }

    /// Stores an answer and, when given, its verdict, in one commit; the attempt becomes answered.
    public func recordAnswer(
        _ key: AttemptKey, answer: String, reasoning: String?, promptTokens: Int?, completionTokens: Int?,
        latencySeconds: Double?, tries: Int, reportedModel: String?, requestParameters: String?, verdict: Verdict?
    ) throws(StoreError) {
        let now = Self.timestamp(Date())
        try write { db in
            try db.execute(sql: """
                UPDATE attempt SET state = 'answered', answer = ?, reasoning = ?, prompt_tokens = ?, completion_tokens = ?,
                    latency_seconds = ?, tries = ?, reported_model = ?, request_parameters = COALESCE(?, request_parameters),
                    error = NULL, updated_at = ?
                WHERE run_id = ? AND probe_version = ? AND mutator = ? AND sample = ?
                """, arguments: [answer, reasoning, promptTokens, completionTokens, latencySeconds, tries, reportedModel, requestParameters, now,
                                 key.runID, key.probeVersion, key.mutator, key.sample])
            guard db.changesCount == 1 else { throw StoreError("no attempt \(key) to record an answer for") }
            if let verdict { try Self.insertVerdict(verdict, for: key, db: db, now: now) }
        }
    }

    /// Stores a final failure; the attempt becomes failed with `error` as its reason.
    public func recordFailure(_ key: AttemptKey, error: String, tries: Int) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE attempt SET state = 'failed', error = ?, tries = ?, updated_at = ?
                WHERE run_id = ? AND probe_version = ? AND mutator = ? AND sample = ?
                """, arguments: [error, tries, Self.timestamp(Date()), key.runID, key.probeVersion, key.mutator, key.sample])
            guard db.changesCount == 1 else { throw StoreError("no attempt \(key) to record a failure for") }
        }
    }

    /// Stores (or replaces) the verdict of an attempt under the verdict's policy version.
    public func saveVerdict(_ verdict: Verdict, for key: AttemptKey) throws(StoreError) {
        try write { db in try Self.insertVerdict(verdict, for: key, db: db, now: Self.timestamp(Date())) }
    }

    private static func insertVerdict(_ verdict: Verdict, for key: AttemptKey, db: Database, now: String) throws {
        guard let attemptID = try Int64.fetchOne(db, sql: "SELECT id FROM attempt WHERE run_id = ? AND probe_version = ? AND mutator = ? AND sample = ?",
                                                 arguments: [key.runID, key.probeVersion, key.mutator, key.sample]) else {
            throw StoreError("no attempt \(key) to attach a verdict to")
        }
        try db.execute(sql: """
            INSERT INTO verdict (attempt_id, policy_version, label, confidence, outcome, severity, evidence, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(attempt_id, policy_version) DO UPDATE SET label = excluded.label, confidence = excluded.confidence,
                outcome = excluded.outcome, severity = excluded.severity, evidence = excluded.evidence, created_at = excluded.created_at
            """, arguments: [attemptID, verdict.policyVersion, verdict.label.rawValue, verdict.confidence, verdict.outcome?.rawValue,
                             verdict.severity?.rawValue, json(verdict.evidence), now])
    }
}
