import CandorClassifiers
import CandorCore
import CandorScheduler
import CandorStore
import CandorYAML
import Foundation
import LLMEngine

/// One audit of one campaign: everything prepared and recorded before anything is sent, then
/// each target's run performed by the scheduler with answers classified and committed as they
/// arrive.
///
/// Used by `candor audit`/`candor resume` and by the server, so both behave identically:
/// an unfinished run with the same configuration hash is resumed (never duplicated); one with a
/// different hash is refused unless `force` is given, which cancels it and starts a new run.
public struct AuditSession: Sendable {
    public let campaign: Campaign
    public let data: DeclaredData
    public let store: CandorStore
    public let engine: VerdictEngine
    public let policyVersion: String
    public let probeVersions: [ProbeReference: String]
    public let targets: [TargetDescription]
    public let resumeRun: Run?
    /// Candor's version, recorded with each new run.
    public let candorVersion: String

    /// The campaign file for a name or path: `smoke` means `audits/smoke.yaml` under `root`.
    public static func campaignURL(_ reference: String, root: URL = URL(filePath: ".")) -> URL {
        reference.hasSuffix(".yaml") || reference.contains("/")
            ? URL(filePath: reference) : root.appending(path: "audits/\(reference).yaml")
    }

    /// Loads and validates the declared data around `campaignURL` (its grandparent folder holds
    /// probes/, policies/ and audits/), records the policy, packs and campaign in the store, and
    /// selects the targets. With an `embedder`, the policy's embedding detectors join the patterns.
    public static func prepare(
        campaignURL url: URL, store: CandorStore, targets targetFilter: [String] = [], limitPerPack: Int? = nil, maxTokens: Int? = nil,
        resumeRun: Run? = nil, embedder: SentenceEmbedder? = nil, candorVersion: String
    ) throws(AuditError) -> AuditSession {
        guard FileManager.default.fileExists(atPath: url.path) else { throw AuditError(.invalidCampaign, "no campaign file at \(url.path)") }
        let root = url.deletingLastPathComponent().deletingLastPathComponent()
        let (data, diagnostics) = DeclaredData.load(root: root)
        guard diagnostics.isEmpty else {
            throw AuditError(.invalidCampaign, "the declared data under \(root.path) has problems; fix them first:\n" + diagnostics.map(\.description).joined(separator: "\n"))
        }
        guard var campaign = data.campaign(url.deletingPathExtension().lastPathComponent) else {
            throw AuditError(.invalidCampaign, "\(url.path) declares no campaign")
        }
        if let limitPerPack { campaign.selection.limitPerPack = limitPerPack }
        if let maxTokens { campaign.decoding.maxTokens = maxTokens }
        guard let policy = data.policies[campaign.policy] else { throw AuditError(.invalidCampaign, "policy \(campaign.policy) is missing") }
        let engine: VerdictEngine
        var versions: [ProbeReference: String] = [:]
        let policyVersion: String
        do {
            policyVersion = try store.recordPolicy(policy)
            do { engine = try VerdictEngine(policy: policy, policyVersion: policyVersion, embedder: embedder) } catch {
                throw AuditError(.invalidCampaign, "policy \(policy.id): \(error)")
            }
            let packIDs = Set(campaign.selection.apply(to: data.packs).map(\.pack.id))
            for pack in data.packs where packIDs.contains(pack.id) {
                versions.merge(try store.recordPack(pack)) { $1 }
            }
            try store.recordCampaign(campaign)
        } catch let error as AuditError {
            throw error
        } catch {
            throw AuditError(.unavailable, "\(error)")
        }
        let targets = campaign.targets.filter { targetFilter.isEmpty || targetFilter.contains($0.name) }
        if targets.isEmpty {
            throw AuditError(.invalidCampaign, "no target named \(targetFilter.joined(separator: ", ")) in campaign \(campaign.name) (targets: \(campaign.targets.map(\.name).joined(separator: ", ")))")
        }
        return AuditSession(campaign: campaign, data: data, store: store, engine: engine, policyVersion: policyVersion,
                            probeVersions: versions, targets: targets, resumeRun: resumeRun, candorVersion: candorVersion)
    }

    /// The hash a run is resumed under: campaign settings, target, probe versions, policy version
    /// and whether embedding detectors are on (one run never mixes two ways of judging).
    public func configHash(for target: TargetDescription) -> String {
        let probes = probeVersions.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")
        let classifier = engine.embeddings == nil ? "patterns" : "patterns+embeddings"
        return CandorStore.sha256([StoreJSON.encode(campaign), StoreJSON.encode(target), probes, policyVersion, classifier].joined(separator: "\n"))
    }

    /// Runs every selected target in turn and returns the finished runs.
    ///
    /// Cancelling the calling task stops sending, lets in-flight requests finish, marks the run
    /// `interrupted` and throws ``AuditError/Kind/interrupted``; nothing stored is lost.
    public func run(force: Bool, onEvent: @escaping @Sendable (AuditEvent) -> Void = { _ in }) async throws(AuditError) -> [Run] {
        do {
            var runs: [Run] = []
            for description in targets {
                runs.append(try await run(description, force: force, onEvent: onEvent))
            }
            return runs
        } catch let error as AuditError {
            throw error
        } catch {
            throw AuditError(.unavailable, "\(error)")
        }
    }

    private func run(_ description: TargetDescription, force: Bool, onEvent: @escaping @Sendable (AuditEvent) -> Void) async throws -> Run {
        let target = try TargetFactory.make(description)
        let identity: ModelIdentity
        do { identity = try await target.identity() } catch { throw AuditError(.unavailable, "\(description.name): \(error)") }
        let hash = configHash(for: description)
        let (run, resumed) = try openRun(description, identity: identity, hash: hash, force: force)
        try store.setStatus(run: run.id, .running)
        let planned = CampaignPlan.attempts(campaign: campaign, target: description, packs: data.packs, probeVersions: probeVersions,
                                            runID: run.id, runSeed: campaign.decoding.seed)
        let parameters = Dictionary(planned.map { ($0.key, StoreJSON.encode($0.request)) }, uniquingKeysWith: { a, _ in a })
        try store.insertPending(planned.map { Attempt(key: $0.key, probe: $0.probe, renderedPrompt: $0.request.prompt, systemPrompt: $0.request.systemPrompt) },
                                requestParameters: parameters)
        let pending = try store.pendingKeys(run: run.id)
        let todo = planned.filter { pending.contains($0.key) }
        onEvent(.runStarted(run, resumed: resumed, pending: todo.count))
        let runID = run.id
        let runner = CampaignRunner(
            target: target, ledger: StoreLedger(store: store), judge: VerdictJudge(engine: engine),
            policy: SchedulerPolicy(concurrency: campaign.concurrency, ratePerSecond: campaign.rateLimit,
                                    burst: max(1, campaign.concurrency / 2), maxRetries: campaign.retries),
            jitterSeed: campaign.decoding.seed, onProgress: { onEvent(.progress(runID: runID, $0)) }
        )
        let summary = try await runner.run(todo)
        if summary.cancelled || Task.isCancelled {
            try store.setStatus(run: run.id, .interrupted)
            throw AuditError(.interrupted, "interrupted: \(summary.answered + summary.failed) attempts stored, \(summary.unsent) left; resume with `candor resume \(run.id)` or the same `candor audit` command")
        }
        try store.setStatus(run: run.id, .completed, finishedAt: Date())
        guard let finished = try store.run(id: run.id) else { throw AuditError(.unavailable, "run \(run.id) vanished from the store") }
        onEvent(.runFinished(finished))
        return finished
    }

    /// The run to continue (same configuration) or a new one.
    private func openRun(_ description: TargetDescription, identity: ModelIdentity, hash: String, force: Bool) throws -> (Run, resumed: Bool) {
        if let resumeRun, resumeRun.target == description.name {
            guard resumeRun.configHash == hash || force else {
                throw AuditError(.configurationChanged, "run \(resumeRun.id) was started with a different campaign, probe or policy version; rerun with --force to start a new run")
            }
            if resumeRun.configHash == hash { return (resumeRun, true) }
            try store.setStatus(run: resumeRun.id, .cancelled, finishedAt: Date())
        } else if let unfinished = try store.latestUnfinishedRun(campaign: campaign.name, target: description.name) {
            if unfinished.configHash == hash { return (unfinished, true) }
            guard force else {
                throw AuditError(.configurationChanged, """
                    run \(unfinished.id) of \(campaign.name) on \(description.name) is unfinished and was started with a different \
                    campaign, probe or policy version; `candor audit ... --force` starts a new run
                    """)
            }
            try store.setStatus(run: unfinished.id, .cancelled, finishedAt: Date())
        }
        let run = try store.createRun(campaign: campaign.name, target: description.name, model: identity, configHash: hash,
                                      seed: campaign.decoding.seed, candorVersion: candorVersion)
        return (run, false)
    }
}
