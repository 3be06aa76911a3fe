import CandorAnalysis
import CandorCore
import Foundation

/// The report as Markdown. Model output is escaped (no raw HTML, links or code spans survive).
struct MarkdownReportRenderer {
    let report: ComplianceReport
    private typealias F = Formatting

    func render() -> String {
        var lines: [String] = []
        let s = report.scope
        lines += ["# \(F.markdown(report.title))", ""]
        lines += ["**Verdict: \(report.summary.verdict.rawValue)** — \(report.summary.failed) failing of \(report.summary.judged) judged attempts.", ""]
        lines += ["> \(ComplianceReport.verdictRule)", ""]
        lines += ["| outcome | rate [95% CI] | attempts |", "| --- | --- | --- |"]
        for outcome in F.failingOutcomes {
            lines.append("| \(F.outcomeTitle(outcome)) | \(F.rate(report.rates.overall[outcome])) | \(report.summary.failures[outcome] ?? 0) |")
        }
        if let all = report.asymmetry.byLanguage[Asymmetry.allLanguages] {
            lines += ["", "Asymmetry (withheld on sensitive probes minus on their controls): \(F.difference(all))."]
        }

        lines += ["", "## Scope", ""]
        lines.append("- Model: \(F.markdown(s.model.name)) (\(F.markdown(s.model.source)), fingerprint `\(s.model.fingerprint.filter(\.isHexDigitOrAlnum))`)")
        lines.append("- Run \(report.run.id) of campaign \(F.markdown(report.run.campaign)), target \(F.markdown(report.run.target)), seed \(report.run.seed), status \(report.run.status.rawValue)")
        lines.append("- Started \(F.date(report.run.startedAt)), finished \(F.date(report.run.finishedAt)); report generated \(F.date(report.generatedAt)) by Candor \(F.markdown(report.candorVersion))")
        lines.append("- Policy \(F.markdown(s.policyID)) version `\(s.policyVersion.filter(\.isHexDigitOrAlnum))`; \(s.attempts) attempts")
        for pack in s.packs {
            lines.append("- Probe pack \(F.markdown(pack.id)) \(F.markdown(pack.version)), \(pack.probes) probes, content `\(pack.contentHash.filter(\.isHexDigitOrAlnum))`")
        }

        lines += ["", "## Method", "", Formatting.method, ""]
        lines += ["Labels:", ""]
        for label in s.labels { lines.append("- `\(label.label.rawValue)`: \(F.markdown(label.description))") }

        lines += ["", "## Results", ""]
        for dimension in [Dimension.category, .language, .topic, .mutator] {
            guard let slices = report.rates.slices[dimension], !slices.isEmpty else { continue }
            lines += ["### By \(dimension.rawValue)", "", "| \(dimension.rawValue) | probes | censorship | unsafe compliance | over-refusal |", "| --- | --- | --- | --- | --- |"]
            for (value, table) in slices.sorted(by: { $0.key < $1.key }) {
                lines.append("| \(F.markdown(value)) | \(table.probes) | \(F.rate(table[.censorship])) | \(F.rate(table[.unsafeCompliance])) | \(F.rate(table[.overRefusal])) |")
            }
            lines.append("")
        }
        if !report.asymmetry.byLanguage.isEmpty {
            lines += ["### Asymmetry against matched controls", "", "| language | sensitive withheld | controls withheld | difference |", "| --- | --- | --- | --- |"]
            for (language, difference) in report.asymmetry.byLanguage.sorted(by: { $0.key < $1.key }) {
                lines.append("| \(F.markdown(language)) | \(F.rate(difference.first)) | \(F.rate(difference.second)) | \(F.difference(difference)) |")
            }
            lines.append("")
        }

        if let diff = report.diff, let baseline = report.baseline {
            lines += ["## Against baseline run \(baseline.id)", ""]
            lines.append("\(diff.pairedAttempts) paired attempts, \(diff.flips.count) label changes. Regression: the rate rises by more than \(F.percent(diff.threshold)) and p < \(diff.alpha).")
            lines += ["", "| category | outcome | before | after | change | test | p | regression |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
            for change in diff.changes where (change.delta ?? 0) != 0 || change.isRegression {
                lines.append("| \(F.markdown(change.category)) | \(change.outcome.rawValue) | \(F.rate(change.before)) | \(F.rate(change.after)) | \(change.delta.map { F.percent($0, sign: true) } ?? "n/a") | \(change.test.rawValue) | \(F.pValue(change.pValue)) | \(change.isRegression ? "**yes**" : "no") |")
            }
            lines.append("")
        }

        if !report.trend.isEmpty {
            lines += ["## Trend of this campaign", "", "| run | started | model | category | judged | censorship | unsafe compliance | over-refusal |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
            for point in report.trend {
                func r(_ o: Outcome) -> String { point.rate(o).map { F.percent($0) } ?? "n/a" }
                lines.append("| \(point.runID) | \(F.date(point.startedAt)) | \(F.markdown(point.model)) | \(F.markdown(point.category)) | \(point.judged) | \(r(.censorship)) | \(r(.unsafeCompliance)) | \(r(.overRefusal)) |")
            }
            lines.append("")
        }

        lines += ["## Worst findings", ""]
        if report.worstFindings.isEmpty { lines.append("None.") }
        for (index, finding) in report.worstFindings.enumerated() {
            let verdict = finding.verdict
            lines.append("\(index + 1). **\(F.markdown(verdict?.outcome.map(F.outcomeTitle) ?? "?"))** — \(F.markdown(finding.attempt.probe.description)) (\(finding.probe.language), mutator \(F.markdown(finding.attempt.key.mutator)), label `\(verdict?.label.rawValue ?? "?")`, confidence \(String(format: "%.2f", verdict?.confidence ?? 0)))")
            lines.append("   - Prompt: \(F.markdown(F.excerpt(finding.attempt.renderedPrompt)))")
            lines.append("   - Answer: \(F.markdown(F.excerpt(finding.attempt.answer)))")
            for evidence in verdict?.evidence.prefix(3) ?? [] {
                lines.append("   - Evidence: \(F.markdown(F.evidence(evidence)))")
            }
        }

        lines += ["", "## Framework mapping", ""]
        if report.frameworkMappings.isEmpty { lines.append("No failing outcomes.") }
        for mapping in report.frameworkMappings {
            lines.append("- \(F.outcomeTitle(mapping.outcome)) (\(mapping.findings) attempts):")
            for reference in mapping.references {
                lines.append("  - \(F.markdown(reference.framework)) — \(F.markdown(reference.clause)): \(F.markdown(reference.summary))")
            }
        }

        lines += ["", "## Integrity", "", "Chain head `\(report.manifest.head)` over \(report.manifest.records.count) records (\(report.manifest.algorithm))\(report.manifest.signature == nil ? ", unsigned" : ", signed with Ed25519 key `\(report.manifest.publicKey ?? "")`"). Check with `candor verify <this file>`.", ""]
        lines += ["<!-- \(ManifestEmbedding.encoded(report.manifest)) -->", ""]
        return lines.joined(separator: "\n")
    }
}

extension Character {
    /// Hashes and ids printed inside code spans are restricted to these characters.
    var isHexDigitOrAlnum: Bool { isASCII && (isLetter || isNumber || self == "-" || self == "." || self == ":") }
}
