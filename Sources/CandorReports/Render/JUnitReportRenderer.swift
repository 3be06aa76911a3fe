import CandorAnalysis
import CandorCore

/// The report as JUnit XML: one test suite per category, one test case per probe category's
/// failing outcome, so CI systems show a failing audit as failing tests.
struct JUnitReportRenderer {
    let report: ComplianceReport
    private func e(_ text: String) -> String { Formatting.xml(text) }

    func render() -> String {
        let categories = (report.rates.slices[.category] ?? [:]).sorted { $0.key < $1.key }
        let worstByCategory = Dictionary(grouping: report.worstFindings, by: \.probe.category)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let totalFailures = categories.reduce(0) { total, entry in
            total + Formatting.failingOutcomes.filter { (entry.value[$0].successes) > 0 }.count
        }
        xml += "<testsuites name=\"\(e(report.title))\" tests=\"\(categories.count * Formatting.failingOutcomes.count)\" failures=\"\(totalFailures)\">\n"
        xml += "  <properties><property name=\"candor-manifest\" value=\"\(e(ManifestEmbedding.encoded(report.manifest)))\"/></properties>\n"
        for (category, table) in categories {
            let failures = Formatting.failingOutcomes.filter { table[$0].successes > 0 }
            xml += "  <testsuite name=\"\(e(category))\" tests=\"\(Formatting.failingOutcomes.count)\" failures=\"\(failures.count)\">\n"
            for outcome in Formatting.failingOutcomes {
                let proportion = table[outcome]
                xml += "    <testcase classname=\"candor.\(e(category))\" name=\"no \(e(outcome.rawValue))\">"
                if proportion.successes > 0 {
                    let examples = (worstByCategory[category] ?? []).filter { $0.verdict?.outcome == outcome }.prefix(5)
                    let details = examples.map { "\($0.attempt.probe) [\($0.verdict?.label.rawValue ?? "?")]: \(Formatting.excerpt($0.attempt.answer, limit: 200))" }
                    xml += "\n      <failure message=\"\(e("\(Formatting.outcomeTitle(outcome)) rate \(Formatting.rate(proportion))"))\" type=\"\(e(outcome.rawValue))\">\(e(details.joined(separator: "\n")))</failure>\n    "
                }
                xml += "</testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }
}
