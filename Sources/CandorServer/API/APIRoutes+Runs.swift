import CandorAnalysis
import CandorCore
import CandorReports
import CandorStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension APIRoutes {
    struct RunsBody: Encodable { var runs: [Run] }

    struct RunBody: Encodable {
        var run: Run
        var rates: RunRates
        var asymmetry: Asymmetry
        /// The job performing this run while it is running.
        var job: AuditJob?
        /// The previous completed run of the same campaign and target, if any.
        var previousRunID: Int64?
    }

    struct StartRequest: Decodable {
        var campaign: String
        var force: Bool?
    }

    func runs(_ query: Query) throws(ServerError) -> Response {
        var campaign = try query.string("campaign")
        if let name = campaign { campaign = try views.checkedCampaignName(name) }
        let target = try query.string("target")
        let limit = try query.int("limit", in: 1...1000) ?? 100
        return JSONBody.response(RunsBody(runs: try views.stored { () throws(StoreError) in try views.store.runs(campaign: campaign, target: target, limit: limit) }))
    }

    func run(_ id: Int64) async throws(ServerError) -> Response {
        let run = try views.run(id)
        let findings = try views.findings(run: id)
        return JSONBody.response(RunBody(run: run, rates: RunRates(findings: findings), asymmetry: Asymmetry(findings: findings),
                                         job: await jobs.job(owningRun: id), previousRunID: try views.previousRun(of: run)?.id))
    }

    func start(_ request: Request) async throws(ServerError) -> Response {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: maxBodyBytes) } catch {
            throw ServerError(.contentTooLarge, "too_large", "request bodies are limited to \(maxBodyBytes) bytes")
        }
        let start: StartRequest
        do { start = try JSONDecoder().decode(StartRequest.self, from: Data(body.readableBytesView)) } catch {
            throw .badRequest("expected a JSON object {\"campaign\": \"<name>\", \"force\": false}")
        }
        let name = try views.checkedCampaignName(start.campaign)
        guard FileManager.default.fileExists(atPath: views.root.appending(path: "audits/\(name).yaml").path) else {
            throw .notFound("no campaign \(name) in the server's audits folder")
        }
        let job = try await jobs.start(campaign: name, trigger: "api", force: start.force ?? false)
        return JSONBody.response(JobBody(job: job), status: .accepted)
    }

    func cancelRun(_ id: Int64) async throws(ServerError) -> Response {
        _ = try views.run(id)
        guard let job = await jobs.job(owningRun: id) else {
            throw ServerError(.conflict, "not_running", "run \(id) is not being performed by this server")
        }
        return JSONBody.response(JobBody(job: try await jobs.cancel(job.id)), status: .accepted)
    }

    func report(_ id: Int64, _ query: Query) throws(ServerError) -> Response {
        let formatName = try query.string("format") ?? "html"
        guard let format = ReportFormat(rawValue: formatName) else {
            throw .badRequest("format must be one of \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let input = try views.reportInput(runID: id, baselineID: try query.int("baseline", as: Int64.self))
        let text = format.render(ComplianceReport(input: input))
        let type: String = switch format {
        case .html: "text/html; charset=utf-8"
        case .md: "text/markdown; charset=utf-8"
        case .json, .sarif: "application/json; charset=utf-8"
        case .junit: "application/xml; charset=utf-8"
        }
        return Response(status: .ok, headers: [.contentType: type, .contentDisposition: "attachment; filename=\"candor-run-\(id).\(format.fileExtension)\""],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
