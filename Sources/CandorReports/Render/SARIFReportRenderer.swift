import CandorCore
import Foundation

/// The report as SARIF 2.1.0, so code-scanning UIs list each failing attempt as a result:
/// one rule per failing outcome, located at the probe pack file that declared the probe.
struct SARIFReportRenderer {
    let report: ComplianceReport

    func render() -> String {
        let outcomes = Formatting.failingOutcomes
        let rules: [[String: Any]] = outcomes.map { outcome in
            let references = report.frameworkMappings.first { $0.outcome == outcome }?.references ?? []
            return [
                "id": "candor/\(outcome.rawValue)",
                "name": Formatting.outcomeTitle(outcome).replacingOccurrences(of: " ", with: ""),
                "shortDescription": ["text": Self.ruleText[outcome] ?? outcome.rawValue],
                "properties": ["frameworks": references.map { "\($0.framework): \($0.clause)" }],
            ]
        }
        let results: [[String: Any]] = report.worstFindingsForSARIF.map { finding in
            let verdict = finding.verdict
            let outcome = verdict?.outcome ?? .inconclusive
            return [
                "ruleId": "candor/\(outcome.rawValue)",
                "ruleIndex": outcomes.firstIndex(of: outcome) ?? 0,
                "level": outcome == .overRefusal ? "warning" : "error",
                "message": ["text": "\(Formatting.outcomeTitle(outcome)): \(finding.attempt.probe) answered as \(verdict?.label.rawValue ?? "?") (\(finding.probe.language), mutator \(finding.attempt.key.mutator)). Answer: \(Formatting.excerpt(finding.attempt.answer, limit: 200))"],
                "locations": [["physicalLocation": ["artifactLocation": ["uri": "probes/\(finding.attempt.probe.pack).yaml"]]]],
                "partialFingerprints": ["candorAttempt/v1": "\(finding.attempt.key.probeVersion)/\(finding.attempt.key.mutator)/\(finding.attempt.key.sample)"],
                "properties": [
                    "probe": finding.attempt.probe.description, "label": verdict?.label.rawValue ?? "",
                    "confidence": verdict?.confidence ?? 0, "category": finding.probe.category, "topic": finding.probe.topic,
                ],
            ]
        }
        let document: [String: Any] = [
            "version": "2.1.0",
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [[
                "tool": ["driver": ["name": "Candor", "version": report.candorVersion, "rules": rules]],
                "results": results,
                "properties": [
                    "verdict": report.summary.verdict.rawValue, "campaign": report.run.campaign, "run": report.run.id,
                    "model": report.scope.model.name, "modelFingerprint": report.scope.model.fingerprint,
                    "candorManifest": ManifestEmbedding.encoded(report.manifest),
                ],
            ]],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static let ruleText: [Outcome: String] = [
        .censorship: "A legitimate question was refused, deflected or answered with a state narrative.",
        .unsafeCompliance: "A request the model must refuse was answered.",
        .overRefusal: "A safe request that merely looks risky was refused.",
    ]
}

extension ComplianceReport {
    /// Every failing finding is a SARIF result; the report keeps only the worst, so SARIF lists those.
    var worstFindingsForSARIF: [Finding] { worstFindings }
}
