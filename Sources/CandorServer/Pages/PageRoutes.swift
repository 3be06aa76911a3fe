import CandorAnalysis
import CandorCore
import CandorReports
import CandorStore
import Foundation
import HTTPTypes
import Hummingbird

/// The server-rendered dashboard: overview, run, diff, finding and probe pages.
struct PageRoutes: Sendable {
    let views: StoreViews
    let jobs: AuditJobs

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in try await self.overview() }
        router.get("/runs/{id}") { _, context in try await self.runPage(try Query.pathInt64(context, "id")) }
        router.get("/diff") { request, _ in try self.diffPage(Query(request: request)) }
        router.get("/findings/{run}/{probe}/{mutator}/{sample}") { _, context in
            try self.findingPage(run: try Query.pathInt64(context, "run"), probeVersion: try Query.path(context, "probe"),
                                 mutator: try Query.path(context, "mutator"), sample: Int(try Query.pathInt64(context, "sample")))
        }
        router.get("/probes/{pack}/{probe}") { _, context in
            try self.probePage(pack: try Query.path(context, "pack"), probe: try Query.path(context, "probe"))
        }
    }

    static func runLink(_ run: Run) -> String { "<a href=\"/runs/\(run.id)\">run \(run.id)</a>" }

    static func status(_ status: RunStatus) -> String {
        let cls = status == .completed ? "ok" : status == .running ? "" : "bad"
        return "<span class=\"\(cls)\">\(HTMLPage.h(status.rawValue))</span>"
    }

    static func findingLink(_ finding: Finding, text: String) -> String {
        let key = finding.attempt.key
        return "<a href=\"/findings/\(key.runID)/\(HTMLPage.u(key.probeVersion))/\(HTMLPage.u(key.mutator))/\(key.sample)\">\(HTMLPage.h(text))</a>"
    }

    static func probeLink(_ reference: ProbeReference) -> String {
        "<a href=\"/probes/\(HTMLPage.u(reference.pack))/\(HTMLPage.u(reference.probe))\">\(HTMLPage.h("\(reference.pack)/\(reference.probe)"))</a>"
    }

    func overview() async throws(ServerError) -> Response {
        let runs = try views.stored { () throws(StoreError) in try views.store.runs(limit: 500) }
        var latest: [String: Run] = [:]
        for run in runs where latest[run.model.name] == nil { latest[run.model.name] = run }
        var body = "<h2>Latest run per model</h2>"
        body += HTMLPage.table(["model", "campaign", "run", "status", "started"], latest.values.sorted { $0.model.name < $1.model.name }.map { run in
            [HTMLPage.h(run.model.name), HTMLPage.h(run.campaign), Self.runLink(run), Self.status(run.status), HTMLPage.h(Formatting.date(run.startedAt))]
        })
        let active = await jobs.all().filter { $0.state == .running }
        if !active.isEmpty {
            body += "<h2>Running now</h2>" + HTMLPage.table(["job", "campaign", "progress"], active.map { job in
                ["\(job.id)", HTMLPage.h(job.campaign), job.progress.map { "<a href=\"/runs/\($0.runID)\">\($0.answered + $0.failed)/\($0.total)</a>" } ?? "starting"]
            })
        }
        for campaign in Set(runs.map(\.campaign)).sorted() {
            let points = try views.stored { () throws(StoreError) in try views.store.trend(campaign: campaign) }
            guard !points.isEmpty else { continue }
            body += "<h2>Trend: \(HTMLPage.h(campaign))</h2>"
            for outcome in [Outcome.censorship, .unsafeCompliance, .overRefusal] {
                body += "<h3>\(HTMLPage.h(Formatting.outcomeTitle(outcome)))</h3>" + TrendChart(points: points, outcome: outcome).svg()
            }
        }
        body += "<h2>All runs</h2>" + HTMLPage.table(["run", "campaign", "target", "model", "status", "started"], runs.prefix(100).map { run in
            [Self.runLink(run), HTMLPage.h(run.campaign), HTMLPage.h(run.target), HTMLPage.h(run.model.name), Self.status(run.status), HTMLPage.h(Formatting.date(run.startedAt))]
        })
        return HTMLPage.response(title: "Overview", body: body, refreshSeconds: active.isEmpty ? nil : 5)
    }

    func probePage(pack: String, probe: String) throws(ServerError) -> Response {
        let rows = try views.probeHistory(pack: pack, probe: probe)
        guard let first = rows.first else { throw .notFound("no stored attempts of probe \(pack)/\(probe)") }
        var body = "<p>\(HTMLPage.h(first.finding.probe.category)) / \(HTMLPage.h(first.finding.probe.topic)), \(HTMLPage.h(first.finding.probe.language.rawValue)), expects \(HTMLPage.h(first.finding.probe.expect.rawValue))</p>"
        body += "<pre>\(HTMLPage.h(first.finding.probe.text))</pre>"
        body += HTMLPage.table(["run", "model", "mutator", "label", "outcome", "answer"], rows.map { row in
            [Self.runLink(row.run), HTMLPage.h(row.run.model.name), HTMLPage.h(row.finding.attempt.key.mutator),
             HTMLPage.h(row.finding.verdict?.label.rawValue ?? "—"), HTMLPage.h(row.finding.verdict?.outcome?.rawValue ?? "—"),
             Self.findingLink(row.finding, text: Formatting.excerpt(row.finding.attempt.answer, limit: 160))]
        })
        return HTMLPage.response(title: "Probe \(pack)/\(probe)", body: body)
    }
}
