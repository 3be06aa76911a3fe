import CandorAnalysis
import CandorCore
import Foundation

/// The report as one self-contained HTML file: inline CSS and SVG, no scripts, nothing fetched,
/// a Content-Security-Policy that forbids loading anything, and every piece of model output,
/// probe text and evidence escaped. Prints cleanly to PDF.
struct HTMLReportRenderer {
    let report: ComplianceReport
    private typealias F = Formatting

    private func e(_ text: String) -> String { F.xml(text) }

    func render() -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
            <title>\(e(report.title))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <main>
            <h1>\(e(report.title))</h1>

            """
        html += summary()
        html += scope()
        html += "<section><h2>Method</h2><p>\(e(Formatting.method))</p><p>\(e(ComplianceReport.verdictRule))</p><dl class=\"labels\">"
        for label in report.scope.labels {
            html += "<dt>\(e(label.label.rawValue))</dt><dd>\(e(label.description))</dd>"
        }
        html += "</dl></section>\n"
        html += results()
        html += diff()
        html += trend()
        html += worst()
        html += frameworks()
        html += """
            <section><h2>Integrity</h2><p>Chain head <code>\(e(report.manifest.head))</code> over \(report.manifest.records.count) records \
            (\(e(report.manifest.algorithm)))\(report.manifest.signature == nil ? ", unsigned" : ", signed with Ed25519 key <code>\(e(report.manifest.publicKey ?? ""))</code>"). \
            Check with <code>candor verify</code>.</p>
            <p class="manifest">\(e(ManifestEmbedding.encoded(report.manifest)))</p></section>
            </main>
            </body>
            </html>

            """
        return html
    }

    private func summary() -> String {
        let verdict = report.summary.verdict
        var html = "<section class=\"summary \(verdict.rawValue.lowercased())\"><p class=\"verdict\">\(verdict.rawValue)</p>"
        html += "<p>\(report.summary.failed) failing of \(report.summary.judged) judged attempts.</p><div class=\"figures\">"
        for outcome in F.failingOutcomes {
            html += "<div><span class=\"figure\">\(e(F.rate(report.rates.overall[outcome])))</span><span>\(e(F.outcomeTitle(outcome)))</span></div>"
        }
        if let all = report.asymmetry.byLanguage[Asymmetry.allLanguages] {
            html += "<div><span class=\"figure\">\(e(F.difference(all)))</span><span>Asymmetry vs controls</span></div>"
        }
        return html + "</div></section>\n"
    }

    private func scope() -> String {
        let s = report.scope
        var rows: [(String, String)] = [
            ("Model", "\(s.model.name) (\(s.model.source))"),
            ("Fingerprint", s.model.fingerprint),
            ("Run", "\(report.run.id): campaign \(report.run.campaign), target \(report.run.target), seed \(report.run.seed), \(report.run.status.rawValue)"),
            ("Dates", "started \(F.date(report.run.startedAt)), finished \(F.date(report.run.finishedAt)), reported \(F.date(report.generatedAt))"),
            ("Policy", "\(s.policyID) \(s.policyVersion)"),
            ("Candor", report.candorVersion),
            ("Attempts", String(s.attempts)),
        ]
        for pack in s.packs {
            rows.append(("Probe pack", "\(pack.id) \(pack.version), \(pack.probes) probes, \(pack.contentHash)"))
        }
        if let campaign = s.campaign {
            rows.append(("Configuration", "samples \(campaign.samples), mutators \(CampaignSummary.mutators(campaign)), max tokens \(campaign.decoding.maxTokens), temperature \(campaign.decoding.temperature), top-p \(campaign.decoding.topP)"))
        }
        return "<section><h2>Scope</h2><table class=\"scope\">" + rows.map { "<tr><th>\(e($0.0))</th><td>\(e($0.1))</td></tr>" }.joined() + "</table></section>\n"
    }

    private func results() -> String {
        var html = "<section><h2>Results</h2>"
        if let categories = report.rates.slices[.category] {
            html += BarChart(title: "Failing outcomes by category (95% intervals)", groups: categories.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }).svg()
        }
        for dimension in [Dimension.category, .language, .topic, .mutator] {
            guard let slices = report.rates.slices[dimension], !slices.isEmpty else { continue }
            html += "<h3>By \(dimension.rawValue)</h3><table><thead><tr><th>\(dimension.rawValue)</th><th>probes</th><th>censorship</th><th>unsafe compliance</th><th>over-refusal</th></tr></thead><tbody>"
            for (value, table) in slices.sorted(by: { $0.key < $1.key }) {
                html += "<tr><td>\(e(value))</td><td>\(table.probes)</td><td>\(e(F.rate(table[.censorship])))</td><td>\(e(F.rate(table[.unsafeCompliance])))</td><td>\(e(F.rate(table[.overRefusal])))</td></tr>"
            }
            html += "</tbody></table>"
        }
        if !report.asymmetry.byLanguage.isEmpty {
            html += "<h3>Asymmetry against matched controls</h3><table><thead><tr><th>language</th><th>sensitive withheld</th><th>controls withheld</th><th>difference</th></tr></thead><tbody>"
            for (language, difference) in report.asymmetry.byLanguage.sorted(by: { $0.key < $1.key }) {
                html += "<tr><td>\(e(language))</td><td>\(e(F.rate(difference.first)))</td><td>\(e(F.rate(difference.second)))</td><td>\(e(F.difference(difference)))</td></tr>"
            }
            html += "</tbody></table>"
        }
        return html + "</section>\n"
    }

    private func diff() -> String {
        guard let diff = report.diff, let baseline = report.baseline else { return "" }
        var html = "<section><h2>Against baseline run \(baseline.id)</h2><p>\(diff.pairedAttempts) paired attempts, \(diff.flips.count) label changes. A regression is a rate rise of more than \(e(F.percent(diff.threshold))) with p &lt; \(diff.alpha).</p>"
        html += "<table><thead><tr><th>category</th><th>outcome</th><th>before</th><th>after</th><th>change</th><th>test</th><th>p</th><th>regression</th></tr></thead><tbody>"
        for change in diff.changes where (change.delta ?? 0) != 0 || change.isRegression {
            html += "<tr\(change.isRegression ? " class=\"regression\"" : "")><td>\(e(change.category))</td><td>\(e(change.outcome.rawValue))</td><td>\(e(F.rate(change.before)))</td><td>\(e(F.rate(change.after)))</td><td>\(e(change.delta.map { F.percent($0, sign: true) } ?? "n/a"))</td><td>\(e(change.test.rawValue))</td><td>\(e(F.pValue(change.pValue)))</td><td>\(change.isRegression ? "yes" : "no")</td></tr>"
        }
        html += "</tbody></table>"
        if !diff.flips.isEmpty {
            html += "<h3>Label changes</h3><table><thead><tr><th>probe</th><th>language</th><th>mutator</th><th>before</th><th>after</th></tr></thead><tbody>"
            for flip in diff.flips.prefix(100) {
                html += "<tr><td>\(e(flip.probe.description))</td><td>\(e(flip.language))</td><td>\(e(flip.mutator))</td><td>\(e(flip.before.rawValue))</td><td>\(e(flip.after.rawValue))</td></tr>"
            }
            html += "</tbody></table>"
        }
        return html + "</section>\n"
    }

    private func trend() -> String {
        guard !report.trend.isEmpty else { return "" }
        var html = "<section><h2>Trend of this campaign</h2>"
        html += TrendChart(points: report.trend).svg()
        html += "<table><thead><tr><th>run</th><th>started</th><th>model</th><th>category</th><th>judged</th><th>censorship</th><th>unsafe compliance</th><th>over-refusal</th></tr></thead><tbody>"
        for point in report.trend {
            func r(_ o: Outcome) -> String { point.rate(o).map { F.percent($0) } ?? "n/a" }
            html += "<tr><td>\(point.runID)</td><td>\(e(F.date(point.startedAt)))</td><td>\(e(point.model))</td><td>\(e(point.category))</td><td>\(point.judged)</td><td>\(r(.censorship))</td><td>\(r(.unsafeCompliance))</td><td>\(r(.overRefusal))</td></tr>"
        }
        return html + "</tbody></table></section>\n"
    }

    private func worst() -> String {
        var html = "<section><h2>Worst findings</h2>"
        if report.worstFindings.isEmpty { html += "<p>None.</p>" }
        for finding in report.worstFindings {
            let verdict = finding.verdict
            html += "<article class=\"finding\"><h3>\(e(verdict?.outcome.map(F.outcomeTitle) ?? "?")) · \(e(finding.attempt.probe.description))</h3>"
            html += "<p class=\"meta\">\(e(finding.probe.language.rawValue)) · mutator \(e(finding.attempt.key.mutator)) · label \(e(verdict?.label.rawValue ?? "?")) · confidence \(String(format: "%.2f", verdict?.confidence ?? 0))</p>"
            html += "<p><strong>Prompt</strong></p><blockquote>\(e(finding.attempt.renderedPrompt))</blockquote>"
            html += "<p><strong>Answer</strong></p><blockquote>\(e(F.excerpt(finding.attempt.answer, limit: 1200)))</blockquote><ul class=\"evidence\">"
            for evidence in verdict?.evidence ?? [] {
                html += "<li>\(e(F.evidence(evidence)))</li>"
            }
            html += "</ul></article>"
        }
        return html + "</section>\n"
    }

    private func frameworks() -> String {
        var html = "<section><h2>Framework mapping</h2>"
        if report.frameworkMappings.isEmpty { html += "<p>No failing outcomes.</p>" }
        for mapping in report.frameworkMappings {
            html += "<h3>\(e(F.outcomeTitle(mapping.outcome))) (\(mapping.findings) attempts)</h3><ul>"
            for reference in mapping.references {
                html += "<li><strong>\(e(reference.framework))</strong> — \(e(reference.clause)): \(e(reference.summary))</li>"
            }
            html += "</ul>"
        }
        return html + "</section>\n"
    }

    static let css = """
        :root{--fg:#1b1f24;--muted:#5b6470;--line:#d8dde3;--bad:#b42318;--warn:#b54708;--ok:#067647;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg)}
        body{margin:0;background:#f6f7f9}main{max-width:980px;margin:0 auto;padding:24px;background:#fff}
        h1{font-size:1.6rem}h2{border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:2rem}
        table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
        thead th{background:#f0f2f5}.scope th{width:9rem;background:#f0f2f5}
        .summary{border-left:6px solid var(--ok);padding:8px 16px;background:#f4fbf6}.summary.fail{border-color:var(--bad);background:#fdf3f2}.summary.warn{border-color:var(--warn);background:#fef6ee}
        .verdict{font-size:2rem;font-weight:700;margin:0}.figures{display:flex;flex-wrap:wrap;gap:16px}.figures div{display:flex;flex-direction:column}.figure{font-weight:600}
        blockquote{margin:.25rem 0 .5rem;padding:6px 10px;border-left:3px solid var(--line);background:#fafbfc;white-space:pre-wrap;overflow-wrap:anywhere}
        .finding{border:1px solid var(--line);padding:8px 12px;margin:12px 0;break-inside:avoid}.meta{color:var(--muted);font-size:.85rem}
        .regression td{background:#fdf3f2}code,.manifest{overflow-wrap:anywhere;font-size:.8rem}.manifest{color:var(--muted)}
        svg{max-width:100%;height:auto}dl.labels dt{font-weight:600}
        @media print{body{background:#fff}main{padding:0}.finding,table{break-inside:avoid}}
        """
}

enum CampaignSummary {
    static func mutators(_ campaign: Campaign) -> String {
        let ids = (campaign.includeUnmutated ? ["identity"] : []) + campaign.mutators
        return ids.joined(separator: ", ")
    }
}
