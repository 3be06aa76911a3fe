import CandorAnalysis
import CandorCore
import CandorStore
import Foundation
import HTTPTypes
import Hummingbird

extension APIRoutes {
    struct FindingsBody: Encodable {
        var findings: [Finding]
        var limit: Int
        var offset: Int
        /// The offset of the next page, when this page was full.
        var nextOffset: Int?
    }

    struct DiffBody: Encodable {
        var before: Run
        var after: Run
        var diff: RunDiff
    }

    /// Filters: run, category, topic, language, label, outcome, q (text); paging: limit (≤ 500), offset.
    func findings(_ query: Query) throws(ServerError) -> Response {
        let limit = try query.int("limit", in: 1...500) ?? 50
        let offset = try query.int("offset", in: 0...10_000_000) ?? 0
        let filter = FindingFilter(
            runID: try query.int("run", as: Int64.self), category: try query.string("category"), topic: try query.string("topic"),
            language: try query.string("language"), label: try query.string("label"), outcome: try query.string("outcome"),
            text: try query.string("q"), limit: limit, offset: offset
        )
        let findings = try views.stored { () throws(StoreError) in try views.store.findings(filter) }
        return JSONBody.response(FindingsBody(findings: findings, limit: limit, offset: offset, nextOffset: findings.count == limit ? offset + limit : nil))
    }

    func diff(_ query: Query) throws(ServerError) -> Response {
        guard let before = try query.int("before", as: Int64.self), let after = try query.int("after", as: Int64.self) else {
            throw .badRequest("give two run ids: ?before=<id>&after=<id>")
        }
        let a = try views.run(before), b = try views.run(after)
        let diff = RunDiff(before: try views.findings(run: before), after: try views.findings(run: after))
        return JSONBody.response(DiffBody(before: a, after: b, diff: diff))
    }
}
