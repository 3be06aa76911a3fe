import CandorAnalysis
import CandorCore
import CandorStore
import Foundation
import HTTPTypes
import Hummingbird

/// The JSON API under `/api`. Every route here is listed in `openapi.yaml` (checked by a test).
struct APIRoutes: Sendable {
    let views: StoreViews
    let jobs: AuditJobs
    let maxBodyBytes: Int

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/campaigns") { _, _ in try self.campaigns() }
        router.get("/api/campaigns/{name}/trend") { _, context in try self.trend(try Query.path(context, "name")) }
        router.get("/api/runs") { request, _ in try self.runs(Query(request: request)) }
        router.post("/api/runs") { request, _ in try await self.start(request) }
        router.get("/api/runs/{id}") { _, context in try await self.run(try Query.pathInt64(context, "id")) }
        router.post("/api/runs/{id}/cancel") { _, context in try await self.cancelRun(try Query.pathInt64(context, "id")) }
        router.get("/api/runs/{id}/report") { request, context in try self.report(try Query.pathInt64(context, "id"), Query(request: request)) }
        router.get("/api/findings") { request, _ in try self.findings(Query(request: request)) }
        router.get("/api/diff") { request, _ in try self.diff(Query(request: request)) }
        router.get("/api/jobs") { _, _ in JSONBody.response(JobsBody(jobs: await self.jobs.all())) }
        router.get("/api/jobs/{id}") { _, context in try await self.job(try Query.pathInt64(context, "id")) }
        router.post("/api/jobs/{id}/cancel") { _, context in try await self.cancelJob(try Query.pathInt64(context, "id")) }
    }

    struct CampaignSummary: Encodable {
        var name: String
        var description: String
        var schedule: String?
        var targets: [String]
        var runs: Int
    }

    struct CampaignsBody: Encodable { var campaigns: [CampaignSummary] }
    struct JobsBody: Encodable { var jobs: [AuditJob] }
    struct JobBody: Encodable { var job: AuditJob }

    func campaigns() throws(ServerError) -> Response {
        var summaries: [CampaignSummary] = []
        for campaign in views.declaredCampaigns() {
            let runs = try views.stored { () throws(StoreError) in try views.store.runs(campaign: campaign.name) }.count
            summaries.append(CampaignSummary(name: campaign.name, description: campaign.description, schedule: campaign.schedule,
                                             targets: campaign.targets.map(\.name), runs: runs))
        }
        return JSONBody.response(CampaignsBody(campaigns: summaries))
    }

    struct TrendBody: Encodable { var campaign: String; var points: [TrendPoint] }

    func trend(_ name: String) throws(ServerError) -> Response {
        let name = try views.checkedCampaignName(name)
        return JSONBody.response(TrendBody(campaign: name, points: try views.stored { () throws(StoreError) in try views.store.trend(campaign: name) }))
    }

    func job(_ id: Int64) async throws(ServerError) -> Response {
        guard let job = await jobs.job(Int(truncatingIfNeeded: id)) else { throw .notFound("no job \(id)") }
        return JSONBody.response(JobBody(job: job))
    }

    func cancelJob(_ id: Int64) async throws(ServerError) -> Response {
        JSONBody.response(JobBody(job: try await jobs.cancel(Int(truncatingIfNeeded: id))), status: .accepted)
    }
}
