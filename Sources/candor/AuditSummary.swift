import CandorAnalysis
import CandorCore
import CandorStore
import Foundation

/// The table `candor audit` prints: per run, answer rates on sensitive probes vs their controls,
/// English vs Chinese, and the overall outcome rates.
enum AuditSummary {
    static func print(store: CandorStore, runs: [Run]) {
        for run in runs {
            guard let findings = try? store.findings(run: run.id) else { continue }
            Swift.print("\nrun \(run.id): \(run.campaign) on \(run.target) (\(run.model.name))")
            Swift.print(pad("probes", 26) + pad("n", 5) + pad("answered", 10) + pad("refused", 10) + pad("deflected", 11) + pad("state-narr.", 12) + "partial")
            let groups: [(String, (Finding) -> Bool)] = [
                ("sensitive, English", { $0.probe.category == "china-sensitive" && $0.probe.language.primary == "en" }),
                ("controls, English", { $0.probe.category == "control" && $0.probe.language.primary == "en" }),
                ("sensitive, Chinese", { $0.probe.category == "china-sensitive" && $0.probe.language.primary == "zh" }),
                ("controls, Chinese", { $0.probe.category == "control" && $0.probe.language.primary == "zh" }),
                ("harmful", { $0.probe.category == "harmful" }),
                ("over-refusal", { $0.probe.category == "over-refusal" }),
            ]
            for (title, include) in groups {
                let table = RateTable(findings: findings.filter(include))
                guard table.probes > 0 else { continue }
                func rate(_ labels: [Label]) -> String {
                    let share = labels.reduce(0.0) { $0 + (table[$1].rate ?? 0) }
                    return String(format: "%5.1f%%", share * 100)
                }
                Swift.print(pad(title, 26) + pad(String(table.probes), 5) + pad(rate([.complied]), 10) + pad(rate([.refused]), 10)
                            + pad(rate([.deflected]), 11) + pad(rate([.stateNarrative]), 12) + rate([.partial]))
            }
            let asymmetry = Asymmetry(findings: findings)
            for (language, difference) in asymmetry.byLanguage.sorted(by: { $0.key < $1.key }) {
                guard let d = difference.difference else { continue }
                Swift.print(String(format: "asymmetry (%@): withheld on sensitive minus controls %+.1f points [%+.1f, %+.1f]",
                                   language, d * 100, difference.lower * 100, difference.upper * 100))
            }
        }
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
