import CandorCore
import Foundation
import GRDB

extension CandorStore {
    /// Creates a run; its model identity is recorded first.
    public func createRun(
        campaign: String, target: String, model: ModelIdentity, configHash: String, seed: UInt64,
        candorVersion: String, startedAt: Date = Date()
    ) throws(StoreError) -> Run {
        let modelID = try recordModel(model)
        let id: Int64 = try write { db in
            try db.execute(sql: """
                INSERT INTO run (campaign, target, model_id, config_hash, seed, status, started_at, candor_version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [campaign, target, modelID, configHash, Int64(bitPattern: seed), RunStatus.running.rawValue,
                                 Self.timestamp(startedAt), candorVersion])
            return db.lastInsertedRowID
        }
        return Run(id: id, campaign: campaign, target: target, model: model, configHash: configHash, seed: seed, status: .running, startedAt: startedAt)
    }

    public func setStatus(run id: Int64, _ status: RunStatus, finishedAt: Date? = nil) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE run SET status = ?, finished_at = ? WHERE id = ?",
                           arguments: [status.rawValue, finishedAt.map(Self.timestamp), id])
            if db.changesCount == 0 { throw StoreError("no run \(id)") }
        }
    }

    /// The run with `id`, if any.
    public func run(id: Int64) throws(StoreError) -> Run? {
        try read { db in try Row.fetchOne(db, sql: Self.runSelect + " WHERE run.id = ?", arguments: [id]).map(Self.run(from:)) }
    }

    /// Runs, newest first, optionally of one campaign and/or target.
    public func runs(campaign: String? = nil, target: String? = nil, limit: Int = 1000) throws(StoreError) -> [Run] {
        try read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let campaign { clauses.append("run.campaign = ?"); arguments += [campaign] }
            if let target { clauses.append("run.target = ?"); arguments += [target] }
            let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            arguments += [limit]
            return try Row.fetchAll(db, sql: Self.runSelect + filter + " ORDER BY run.started_at DESC, run.id DESC LIMIT ?", arguments: arguments).map(Self.run(from:))
        }
    }

    /// The newest unfinished run of (campaign, target), for resuming.
    public func latestUnfinishedRun(campaign: String, target: String) throws(StoreError) -> Run? {
        try runs(campaign: campaign, target: target, limit: 1).first { ![.completed, .cancelled].contains($0.status) }
    }

    static let runSelect = """
        SELECT run.*, model_identity.name AS model_name, model_identity.source AS model_source,
               model_identity.fingerprint AS model_fingerprint, model_identity.parameters AS model_parameters
        FROM run JOIN model_identity ON model_identity.id = run.model_id
        """

    static func run(from row: Row) -> Run {
        Run(
            id: row["id"], campaign: row["campaign"], target: row["target"],
            model: ModelIdentity(name: row["model_name"], source: row["model_source"], fingerprint: row["model_fingerprint"],
                                 parameters: decode([String: String].self, row["model_parameters"]) ?? [:]),
            configHash: row["config_hash"], seed: UInt64(bitPattern: row["seed"]), status: RunStatus(rawValue: row["status"]) ?? .failed,
            startedAt: date(row["started_at"]) ?? Date(timeIntervalSince1970: 0), finishedAt: date(row["finished_at"])
        )
    }
}
