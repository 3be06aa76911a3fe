import CandorCore
import CandorReports
import Foundation
import HTTPTypes
import Hummingbird

extension PageRoutes {
    func findingPage(run: Int64, probeVersion: String, mutator: String, sample: Int) throws(ServerError) -> Response {
        let finding = try views.finding(run: run, probeVersion: probeVersion, mutator: mutator, sample: sample)
        let evidence = finding.verdict?.evidence ?? []
        var body = "<p>\(Self.probeLink(finding.attempt.probe)) in <a href=\"/runs/\(run)\">run \(run)</a>, mutator \(HTMLPage.h(mutator)), sample \(sample): "
        body += "\(HTMLPage.h(finding.probe.category)) / \(HTMLPage.h(finding.probe.topic)), expects \(HTMLPage.h(finding.probe.expect.rawValue))</p>"
        if let verdict = finding.verdict {
            body += "<p>Label <strong>\(HTMLPage.h(verdict.label.rawValue))</strong> (confidence \(String(format: "%.2f", verdict.confidence))), outcome "
            body += "<strong>\(HTMLPage.h(verdict.outcome?.rawValue ?? "—"))</strong></p>"
        }
        if let system = finding.attempt.systemPrompt { body += "<h2>System prompt</h2><pre>\(HTMLPage.h(system))</pre>" }
        body += "<h2>Prompt</h2><pre>\(HTMLPage.h(finding.attempt.renderedPrompt))</pre>"
        body += "<h2>Answer</h2><pre>\(PageHighlight.html(finding.attempt.answer ?? "", spans: evidence.filter { $0.field == "answer" }))</pre>"
        if let reasoning = finding.attempt.reasoning {
            body += "<h2>Reasoning</h2><pre>\(PageHighlight.html(reasoning, spans: evidence.filter { $0.field == "reasoning" }))</pre>"
        }
        if let error = finding.attempt.error { body += "<h2>Error</h2><pre>\(HTMLPage.h(error))</pre>" }
        body += "<h2>Evidence</h2>" + HTMLPage.table(["kind", "detector", "label", "field", "match"], evidence.map { item in
            [HTMLPage.h(item.kind.rawValue), HTMLPage.h(item.detector), HTMLPage.h(item.label.rawValue), HTMLPage.h(item.field), HTMLPage.h(Formatting.excerpt(item.excerpt, limit: 120))]
        })
        return HTMLPage.response(title: "Finding", body: body)
    }
}
