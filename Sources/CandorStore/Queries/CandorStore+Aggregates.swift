import CandorAnalysis
import CandorCore
import Foundation
import GRDB

/// A count of a run's attempts for one value of a grouping.
public struct GroupCount: Sendable, Hashable, Codable {
    public var value: String
    public var count: Int
}

/// Two attempts of two runs with the same probe version, mutator and sample.
public struct AttemptPair: Sendable, Hashable {
    public var probeVersion: String
    public var mutator: String
    public var sample: Int
    public var labelA: String?
    public var labelB: String?
    public var outcomeA: String?
    public var outcomeB: String?
}

extension CandorStore {
    /// What a run's attempts can be grouped by.
    public enum Grouping: String, Sendable, CaseIterable {
        case category, topic, language, label, outcome, state, mutator

        var column: String {
            switch self {
            case .category: "p.category"
            case .topic: "p.topic"
            case .language: "p.language"
            case .label: "COALESCE(v.label, '(none)')"
            case .outcome: "COALESCE(v.outcome, '(none)')"
            case .state: "a.state"
            case .mutator: "a.mutator"
            }
        }
    }

    /// A run's attempt counts grouped by one or more columns (values joined with " / ").
    public func counts(run id: Int64, by groupings: [Grouping]) throws(StoreError) -> [GroupCount] {
        let columns = groupings.map(\.column)
        let value = columns.isEmpty ? "'all'" : columns.joined(separator: " || ' / ' || ")
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(value) AS value, COUNT(*) AS count
                FROM attempt a JOIN probe_version p ON p.hash = a.probe_version
                LEFT JOIN verdict v ON v.id = (SELECT MAX(id) FROM verdict WHERE attempt_id = a.id)
                WHERE a.run_id = ? GROUP BY value ORDER BY value
                """, arguments: [id]).map { GroupCount(value: $0["value"], count: $0["count"]) }
        }
    }

    /// Per run of `campaign` (oldest first) and per category: judged attempts and outcome counts.
    public func trend(campaign: String) throws(StoreError) -> [TrendPoint] {
        let rows: [Row] = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.id AS run_id, r.started_at, r.target, m.name AS model, p.category, v.outcome, COUNT(*) AS count
                FROM run r JOIN model_identity m ON m.id = r.model_id
                JOIN attempt a ON a.run_id = r.id
                JOIN probe_version p ON p.hash = a.probe_version
                JOIN verdict v ON v.id = (SELECT MAX(id) FROM verdict WHERE attempt_id = a.id)
                WHERE r.campaign = ?
                GROUP BY r.id, p.category, v.outcome
                ORDER BY r.started_at, r.id, p.category
                """, arguments: [campaign])
        }
        var points: [TrendPoint] = []
        for row in rows {
            let runID: Int64 = row["run_id"], category: String = row["category"], count: Int = row["count"]
            let outcome: String = row["outcome"] ?? "(none)"
            if let last = points.indices.last, points[last].runID == runID, points[last].category == category {
                points[last].judged += count
                points[last].outcomes[outcome, default: 0] += count
            } else {
                points.append(TrendPoint(runID: runID, startedAt: Self.date(row["started_at"]) ?? Date(timeIntervalSince1970: 0),
                                         model: row["model"], target: row["target"], category: category, judged: count, outcomes: [outcome: count]))
            }
        }
        return points
    }

    /// The attempts of runs A and B paired on (probe version, mutator, sample), with each side's
    /// current label and outcome; attempts present in one run only come with nils on the other side.
    public func pairedAttempts(runA: Int64, runB: Int64) throws(StoreError) -> [AttemptPair] {
        try read { db in
            let sql = """
                WITH
                  a AS (SELECT at.probe_version, at.mutator, at.sample, v.label, v.outcome FROM attempt at
                        LEFT JOIN verdict v ON v.id = (SELECT MAX(id) FROM verdict WHERE attempt_id = at.id) WHERE at.run_id = ?),
                  b AS (SELECT at.probe_version, at.mutator, at.sample, v.label, v.outcome FROM attempt at
                        LEFT JOIN verdict v ON v.id = (SELECT MAX(id) FROM verdict WHERE attempt_id = at.id) WHERE at.run_id = ?)
                SELECT a.probe_version, a.mutator, a.sample, a.label AS label_a, b.label AS label_b, a.outcome AS outcome_a, b.outcome AS outcome_b
                FROM a LEFT JOIN b USING (probe_version, mutator, sample)
                UNION ALL
                SELECT b.probe_version, b.mutator, b.sample, NULL, b.label, NULL, b.outcome
                FROM b WHERE NOT EXISTS (SELECT 1 FROM a WHERE a.probe_version = b.probe_version AND a.mutator = b.mutator AND a.sample = b.sample)
                ORDER BY 1, 2, 3
                """
            return try Row.fetchAll(db, sql: sql, arguments: [runA, runB]).map { row in
                AttemptPair(probeVersion: row[0], mutator: row[1], sample: row[2], labelA: row[3], labelB: row[4], outcomeA: row[5], outcomeB: row[6])
            }
        }
    }
}
