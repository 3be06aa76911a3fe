import CandorCore
import Foundation
import GRDB

extension CandorStore {
    /// Attempts joined with their probe version and current verdict (the newest one), in
    /// attempt-key order.
    public func findings(_ filter: FindingFilter) throws(StoreError) -> [Finding] {
        try read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            func add(_ clause: String, _ value: (any DatabaseValueConvertible)?) {
                guard let value else { return }
                clauses.append(clause)
                arguments += [value]
            }
            add("a.run_id = ?", filter.runID)
            add("p.category = ?", filter.category)
            add("p.topic = ?", filter.topic)
            add("p.language = ?", filter.language)
            add("v.label = ?", filter.label)
            add("v.outcome = ?", filter.outcome)
            add("a.probe_version = ?", filter.probeVersion)
            if let text = filter.text, !text.isEmpty {
                let pattern = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
                clauses.append("(a.rendered_prompt LIKE ? ESCAPE '\\' OR a.answer LIKE ? ESCAPE '\\' OR a.reasoning LIKE ? ESCAPE '\\')")
                arguments += [pattern, pattern, pattern]
            }
            let filterSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            arguments += [filter.limit, filter.offset]
            let rows = try Row.fetchAll(db, sql: Self.findingSelect + filterSQL + " ORDER BY a.run_id, a.probe_version, a.mutator, a.sample LIMIT ? OFFSET ?", arguments: arguments)
            return rows.map(Self.finding(from:))
        }
    }

    /// Every finding of a run.
    public func findings(run id: Int64) throws(StoreError) -> [Finding] {
        try findings(FindingFilter(runID: id))
    }

    static let findingSelect = """
        SELECT a.*, p.pack, p.probe, p.text, p.language, p.topic, p.category, p.expect, p.control_for, p.severity AS probe_severity,
               p.tags, p.notes, v.label, v.confidence, v.outcome, v.severity AS verdict_severity, v.evidence,
               v.policy_version, pv.policy AS policy_id
        FROM attempt a
        JOIN probe_version p ON p.hash = a.probe_version
        LEFT JOIN verdict v ON v.id = (SELECT MAX(id) FROM verdict WHERE attempt_id = a.id)
        LEFT JOIN policy_version pv ON pv.hash = v.policy_version
        """

    static func finding(from row: Row) -> Finding {
        let probe = Probe(
            id: row["probe"], text: row["text"], language: LanguageTag(rawValue: row["language"]) ?? .english,
            topic: row["topic"], category: row["category"], expect: Expectation(rawValue: row["expect"]) ?? .answer,
            controlFor: (row["control_for"] as String?).flatMap(ProbeReference.init), tags: decode([String].self, row["tags"]) ?? [],
            severity: Severity(rawValue: row["probe_severity"]) ?? .medium, notes: row["notes"]
        )
        let key = AttemptKey(runID: row["run_id"], probeVersion: row["probe_version"], mutator: row["mutator"], sample: row["sample"])
        let attempt = Attempt(
            key: key, probe: ProbeReference(pack: row["pack"], probe: row["probe"]), renderedPrompt: row["rendered_prompt"],
            systemPrompt: row["system_prompt"], state: AttemptState(rawValue: row["state"]) ?? .pending, answer: row["answer"],
            reasoning: row["reasoning"], promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
            latencySeconds: row["latency_seconds"], error: row["error"], tries: row["tries"], reportedModel: row["reported_model"]
        )
        var verdict: Verdict?
        if let label: String = row["label"] {
            verdict = Verdict(
                label: Label(rawValue: label), confidence: row["confidence"], evidence: decode([Evidence].self, row["evidence"]) ?? [],
                outcome: (row["outcome"] as String?).flatMap(Outcome.init(rawValue:)),
                severity: (row["verdict_severity"] as String?).flatMap(Severity.init(rawValue:)),
                policyID: row["policy_id"] ?? "", policyVersion: row["policy_version"]
            )
        }
        return Finding(attempt: attempt, probe: probe, verdict: verdict)
    }
}
