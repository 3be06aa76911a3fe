import CandorAudit
import CandorCore
import CandorScheduler
import CandorStore
import Foundation
import HTTPTypes
import LLMEngine

/// Starts campaign audits in background tasks, tracks their progress and cancels them.
///
/// One job per campaign at a time: starting a campaign that is already running is refused.
public actor AuditJobs {
    /// Prepares a session for a campaign name; injected so tests can stub the audit.
    public typealias Starter = @Sendable (_ campaign: String) throws(AuditError) -> AuditSession

    private let starter: Starter
    private var jobs: [Int: AuditJob] = [:]
    private var tasks: [Int: Task<Void, Never>] = [:]
    private var nextID = 1

    public init(starter: @escaping Starter) {
        self.starter = starter
    }

    /// The server's usual starter: the campaign `name` from `root/audits`, recorded in `store`.
    public static func starter(root: URL, store: CandorStore, candorVersion: String, embedder: SentenceEmbedder? = nil) -> Starter {
        { (name: String) throws(AuditError) -> AuditSession in
            try AuditSession.prepare(campaignURL: AuditSession.campaignURL(name, root: root), store: store, embedder: embedder, candorVersion: candorVersion)
        }
    }

    /// Starts `campaign`; returns the job, or throws when it cannot start.
    @discardableResult
    public func start(campaign: String, trigger: String, force: Bool = false, onFinish: (@Sendable () async -> Void)? = nil) throws(ServerError) -> AuditJob {
        if let running = jobs.values.first(where: { $0.campaign == campaign && $0.state == .running }) {
            throw ServerError(.conflict, "already_running", "campaign \(campaign) is already running as job \(running.id)")
        }
        let session: AuditSession
        do { session = try starter(campaign) } catch {
            throw ServerError(error.kind == .invalidCampaign ? .unprocessableContent : .serviceUnavailable, "cannot_start", error.message)
        }
        let id = nextID
        nextID += 1
        let job = AuditJob(id: id, campaign: campaign, trigger: trigger, state: .running, startedAt: Date(), runIDs: [])
        jobs[id] = job
        tasks[id] = Task {
            var state = AuditJob.State.completed
            var message: String?
            do {
                _ = try await session.run(force: force) { event in Task { await self.record(event, job: id) } }
            } catch let error as AuditError {
                state = error.kind == .interrupted ? .cancelled : .failed
                message = error.message
            } catch {
                state = .failed
                message = "\(error)"
            }
            await self.finish(id, state: state, error: message)
            await onFinish?()
        }
        return job
    }

    private func record(_ event: AuditEvent, job id: Int) {
        guard var job = jobs[id] else { return }
        switch event {
        case .runStarted(let run, _, let pending):
            if !job.runIDs.contains(run.id) { job.runIDs.append(run.id) }
            job.progress = .init(runID: run.id, total: pending, answered: 0, failed: 0, inFlight: 0, elapsedSeconds: 0)
        case .progress(let runID, let p):
            job.progress = .init(runID: runID, total: p.total, answered: p.answered, failed: p.failed, inFlight: p.inFlight, elapsedSeconds: p.elapsed)
        case .runFinished:
            break
        }
        jobs[id] = job
    }

    private func finish(_ id: Int, state: AuditJob.State, error: String?) {
        jobs[id]?.state = state
        jobs[id]?.finishedAt = Date()
        jobs[id]?.error = error
        tasks[id] = nil
    }

    public func job(_ id: Int) -> AuditJob? { jobs[id] }

    public func all() -> [AuditJob] { jobs.values.sorted { $0.id > $1.id } }

    /// The running job that owns `runID`, if any.
    public func job(owningRun runID: Int64) -> AuditJob? {
        jobs.values.first { $0.state == .running && $0.runIDs.contains(runID) }
    }

    /// Cancels a running job: its current run is marked interrupted and can be resumed later.
    public func cancel(_ id: Int) throws(ServerError) -> AuditJob {
        guard let job = jobs[id] else { throw .notFound("no job \(id)") }
        guard job.state == .running, let task = tasks[id] else {
            throw ServerError(.conflict, "not_running", "job \(id) is \(job.state.rawValue)")
        }
        task.cancel()
        return job
    }

    /// Waits for a job to end (tests and shutdown).
    public func wait(_ id: Int) async {
        await tasks[id]?.value
    }
}
