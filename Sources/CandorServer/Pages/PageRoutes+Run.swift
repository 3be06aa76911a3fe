import CandorAnalysis
import CandorCore
import CandorReports
import CandorStore
import Foundation
import HTTPTypes
import Hummingbird

extension PageRoutes {
    func runPage(_ id: Int64) async throws(ServerError) -> Response {
        let run = try views.run(id)
        let findings = try views.findings(run: id)
        let job = await jobs.job(owningRun: id)
        let live = run.status == .running
        var body = "<p>\(HTMLPage.h(run.campaign)) on <strong>\(HTMLPage.h(run.model.name))</strong> (target \(HTMLPage.h(run.target))), "
        body += "\(Self.status(run.status)), started \(HTMLPage.h(Formatting.date(run.startedAt)))"
        if let finished = run.finishedAt { body += ", finished \(HTMLPage.h(Formatting.date(finished)))" }
        body += "</p>"
        if live {
            let progress = job?.progress.map { "\($0.answered + $0.failed) of \($0.total) attempts done, \($0.inFlight) in flight" }
                ?? "\(findings.filter { $0.attempt.state != .pending }.count) of \(findings.count) attempts done"
            body += "<p><strong>Running:</strong> \(HTMLPage.h(progress)). This page refreshes every 3 seconds.</p>"
        }
        let rates = RunRates(findings: findings)
        body += "<h2>Rates (95% intervals)</h2>" + HTMLPage.table(["outcome", "rate"], Formatting.failingOutcomes.map { outcome in
            [HTMLPage.h(Formatting.outcomeTitle(outcome)), HTMLPage.h(Formatting.rate(rates.overall[outcome]))]
        })
        if let categories = rates.slices[.category], !categories.isEmpty {
            body += BarChart(title: "Failing outcomes by category", groups: categories.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }).svg()
        }
        let asymmetry = Asymmetry(findings: findings)
        body += "<h2>Asymmetry (sensitive minus control, withheld answers)</h2>"
        body += HTMLPage.table(["language", "difference"], asymmetry.byLanguage.sorted { $0.key < $1.key }.map { [HTMLPage.h($0.key), HTMLPage.h(Formatting.difference($0.value))] })
        if let previous = try views.previousRun(of: run) {
            let diff = RunDiff(before: try views.findings(run: previous.id), after: findings)
            body += "<h2>Flips since \(Self.runLink(previous)) (<a href=\"/diff?before=\(previous.id)&amp;after=\(run.id)\">full diff</a>)</h2>"
            body += Self.flipTable(diff.flips, afterRun: run.id)
        }
        body += "<h2>Reports</h2><p>" + ReportFormat.allCases.map { "<a href=\"/api/runs/\(run.id)/report?format=\($0.rawValue)\">\($0.rawValue)</a>" }.joined(separator: " · ") + "</p>"
        let ordered = findings.sorted { ($0.verdict?.outcome?.isFailure == true ? 0 : 1, $0.attempt.key) < ($1.verdict?.outcome?.isFailure == true ? 0 : 1, $1.attempt.key) }
        body += "<h2>Findings (failing first)</h2>" + HTMLPage.table(["probe", "category", "label", "outcome", "answer"], ordered.prefix(300).map { finding in
            [Self.probeLink(finding.attempt.probe), HTMLPage.h(finding.probe.category), HTMLPage.h(finding.verdict?.label.rawValue ?? finding.attempt.state.rawValue),
             HTMLPage.h(finding.verdict?.outcome?.rawValue ?? "—"), Self.findingLink(finding, text: Formatting.excerpt(finding.attempt.answer, limit: 120))]
        })
        return HTMLPage.response(title: "Run \(run.id)", body: body, refreshSeconds: live ? 3 : nil)
    }

    static func flipTable(_ flips: [RunDiff.Flip], afterRun: Int64) -> String {
        HTMLPage.table(["probe", "category", "language", "mutator", "before", "after", "kind"], flips.prefix(300).map { flip in
            [probeLink(flip.probe), HTMLPage.h(flip.category), HTMLPage.h(flip.language), HTMLPage.h(flip.mutator),
             HTMLPage.h(flip.before.rawValue), HTMLPage.h(flip.after.rawValue), HTMLPage.h(flip.kind.rawValue)]
        })
    }

    func diffPage(_ query: Query) throws(ServerError) -> Response {
        let before = try query.int("before", as: Int64.self), after = try query.int("after", as: Int64.self)
        var body = "<form method=\"get\" action=\"/diff\"><label>before <input name=\"before\" inputmode=\"numeric\" value=\"\(before.map(String.init) ?? "")\"></label>"
        body += "<label>after <input name=\"after\" inputmode=\"numeric\" value=\"\(after.map(String.init) ?? "")\"></label><button>Compare</button></form>"
        guard let before, let after else { return HTMLPage.response(title: "Diff two runs", body: body) }
        let a = try views.run(before), b = try views.run(after)
        let diff = RunDiff(before: try views.findings(run: before), after: try views.findings(run: after))
        body += "<p>\(Self.runLink(a)) (\(HTMLPage.h(a.model.name))) → \(Self.runLink(b)) (\(HTMLPage.h(b.model.name))): \(diff.pairedAttempts) paired attempts, "
        body += "\(diff.unpairedBefore) only before, \(diff.unpairedAfter) only after, \(diff.flips.count) label changes.</p>"
        body += "<h2>Rate changes</h2>" + HTMLPage.table(["category", "outcome", "before", "after", "test", "p", "regression"], diff.changes.map { change in
            [HTMLPage.h(change.category), HTMLPage.h(change.outcome.rawValue), HTMLPage.h(Formatting.rate(change.before)), HTMLPage.h(Formatting.rate(change.after)),
             HTMLPage.h(change.test.rawValue), String(format: "%.4f", change.pValue), change.isRegression ? "<span class=\"bad\">yes</span>" : "no"]
        })
        body += "<h2>Label changes</h2>" + Self.flipTable(diff.flips, afterRun: after)
        return HTMLPage.response(title: "Run \(before) → run \(after)", body: body)
    }
}
