import ArgumentParser
import CandorAnalysis
import CandorClassifiers
import CandorCore
import CandorScheduler
import CandorStore
import CandorTargets
import CandorYAML
import Foundation

/// `candor audit audits/<campaign>.yaml`: run a campaign, or resume it.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Run an audit campaign: send its probes to its targets, classify and store every answer.",
        discussion: """
            Every attempt is stored before anything is sent, and every answer is committed as it \
            arrives, so an interrupted audit loses nothing: run the same command again (or \
            `candor resume <run>`) to finish it. If the campaign, its probes or its policy changed \
            since the unfinished run started, the command refuses unless --force is given (which \
            starts a new run).
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The campaign file (audits/<name>.yaml) or its name.") var campaign: String
    @Option(help: "Only this target of the campaign (repeatable).") var target: [String] = []
    @Option(name: .customLong("limit-per-pack"), help: "At most this many probes per pack (overrides the campaign).") var limitPerPack: Int?
    @Option(name: .customLong("max-tokens"), help: "Override the campaign's max_tokens.") var maxTokens: Int?
    @Flag(help: "Start a new run even if the unfinished one was made with a different configuration.") var force = false
    @Flag(name: .customLong("no-summary"), help: "Do not print the rate summary at the end.") var noSummary = false

    func run() async throws {
        let execution = try AuditExecution.prepare(
            campaignReference: campaign, database: database, targets: target, limitPerPack: limitPerPack, maxTokens: maxTokens
        )
        let runs = try await execution.run(force: force)
        if !noSummary { AuditSummary.print(store: execution.store, runs: runs) }
    }
}

/// `candor resume <run>`: finish an interrupted run.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Finish an interrupted run (same as running its campaign again).")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The run id (see `candor runs list`).") var id: Int64
    @Option(help: "Candor root holding audits/.") var root: String = "."

    func run() async throws {
        let store = try database.openExisting()
        guard let run = try store.run(id: id) else { throw CLIError("no run \(id) in \(database.url.path)").exit }
        let execution = try AuditExecution.prepare(
            campaignReference: URL(filePath: root).appending(path: "audits/\(run.campaign).yaml").path, database: database,
            targets: [run.target], limitPerPack: nil, maxTokens: nil, resumeRun: run
        )
        let runs = try await execution.run(force: false)
        AuditSummary.print(store: execution.store, runs: runs)
    }
}

/// Everything one audit invocation needs, prepared before anything is sent.
struct AuditExecution {
    let campaign: Campaign
    let data: DeclaredData
    let store: CandorStore
    let engine: VerdictEngine
    let policyVersion: String
    let probeVersions: [ProbeReference: String]
    let targets: [TargetDescription]
    let resumeRun: Run?

    static func prepare(
        campaignReference: String, database: DatabaseOptions, targets targetFilter: [String], limitPerPack: Int?, maxTokens: Int?,
        resumeRun: Run? = nil
    ) throws -> AuditExecution {
        let url = campaignReference.hasSuffix(".yaml") || campaignReference.contains("/")
            ? URL(filePath: campaignReference) : URL(filePath: "audits/\(campaignReference).yaml")
        guard FileManager.default.fileExists(atPath: url.path) else { throw CLIError("no campaign file at \(url.path)").exit }
        let root = url.deletingLastPathComponent().deletingLastPathComponent()
        let (data, diagnostics) = DeclaredData.load(root: root)
        guard diagnostics.isEmpty else {
            throw CLIError("the declared data under \(root.path) has problems; fix them first:\n" + diagnostics.map(\.description).joined(separator: "\n")).exit
        }
        guard var campaign = data.campaign(url.deletingPathExtension().lastPathComponent) else { throw CLIError("\(url.path) declares no campaign").exit }
        if let limitPerPack { campaign.selection.limitPerPack = limitPerPack }
        if let maxTokens { campaign.decoding.maxTokens = maxTokens }
        guard let policy = data.policies[campaign.policy] else { throw CLIError("policy \(campaign.policy) is missing").exit }
        let store = try database.open()
        let policyVersion = try store.recordPolicy(policy)
        let engine: VerdictEngine
        do { engine = try VerdictEngine(policy: policy, policyVersion: policyVersion) } catch { throw CLIError("policy \(policy.id): \(error)").exit }
        var versions: [ProbeReference: String] = [:]
        let packIDs = Set(campaign.selection.apply(to: data.packs).map(\.pack.id))
        for pack in data.packs where packIDs.contains(pack.id) {
            versions.merge(try store.recordPack(pack)) { $1 }
        }
        try store.recordCampaign(campaign)
        let targets = campaign.targets.filter { targetFilter.isEmpty || targetFilter.contains($0.name) }
        if targets.isEmpty {
            throw CLIError("no target named \(targetFilter.joined(separator: ", ")) in campaign \(campaign.name) (targets: \(campaign.targets.map(\.name).joined(separator: ", ")))").exit
        }
        return AuditExecution(campaign: campaign, data: data, store: store, engine: engine, policyVersion: policyVersion,
                              probeVersions: versions, targets: targets, resumeRun: resumeRun)
    }

    /// The hash a run is resumed under: campaign settings, target, probe versions and policy version.
    func configHash(for target: TargetDescription) -> String {
        let probes = probeVersions.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")
        return CandorStore.sha256([StoreJSON.encode(campaign), StoreJSON.encode(target), probes, policyVersion].joined(separator: "\n"))
    }

    /// Runs every target in turn; returns the runs touched.
    func run(force: Bool) async throws -> [Run] {
        var runs: [Run] = []
        for description in targets {
            let target = try makeTarget(description)
            let identity: ModelIdentity
            do { identity = try await target.identity() } catch { throw CLIError("\(description.name): \(error)", code: .unavailable).exit }
            let hash = configHash(for: description)
            var run: Run
            if let resumeRun, resumeRun.target == description.name {
                guard resumeRun.configHash == hash || force else {
                    throw CLIError("run \(resumeRun.id) was started with a different campaign, probe or policy version; rerun with --force to start a new run", code: .checkFailed).exit
                }
                run = resumeRun
            } else if let unfinished = try store.latestUnfinishedRun(campaign: campaign.name, target: description.name) {
                if unfinished.configHash == hash {
                    FileHandleOutput.standardError.write("resuming run \(unfinished.id) (\(campaign.name) on \(description.name))\n")
                    run = unfinished
                } else if force {
                    try store.setStatus(run: unfinished.id, .cancelled, finishedAt: Date())
                    run = try store.createRun(campaign: campaign.name, target: description.name, model: identity, configHash: hash,
                                              seed: campaign.decoding.seed, candorVersion: CandorVersion.string)
                } else {
                    throw CLIError("""
                        run \(unfinished.id) of \(campaign.name) on \(description.name) is unfinished and was started with a different \
                        campaign, probe or policy version; `candor audit ... --force` starts a new run
                        """, code: .checkFailed).exit
                }
            } else {
                run = try store.createRun(campaign: campaign.name, target: description.name, model: identity, configHash: hash,
                                          seed: campaign.decoding.seed, candorVersion: CandorVersion.string)
            }
            try store.setStatus(run: run.id, .running)
            let planned = CampaignPlan.attempts(campaign: campaign, target: description, packs: data.packs, probeVersions: probeVersions,
                                                runID: run.id, runSeed: campaign.decoding.seed)
            let parameters = Dictionary(planned.map { ($0.key, StoreJSON.encode($0.request)) }, uniquingKeysWith: { a, _ in a })
            try store.insertPending(planned.map { Attempt(key: $0.key, probe: $0.probe, renderedPrompt: $0.request.prompt, systemPrompt: $0.request.systemPrompt) },
                                    requestParameters: parameters)
            let pending = try store.pendingKeys(run: run.id)
            let todo = planned.filter { pending.contains($0.key) }
            let display = ProgressDisplay(label: "run \(run.id) \(description.name)")
            let runner = CampaignRunner(
                target: target, ledger: StoreLedger(store: store), judge: VerdictJudge(engine: engine),
                policy: SchedulerPolicy(concurrency: campaign.concurrency, ratePerSecond: campaign.rateLimit, burst: max(1, campaign.concurrency / 2), maxRetries: campaign.retries),
                jitterSeed: campaign.decoding.seed, onProgress: display.update
            )
            let interrupt = InterruptHandler()
            let task = Task { try await runner.run(todo) }
            interrupt.onInterrupt { task.cancel() }
            let summary = try await task.value
            interrupt.stop()
            display.finish()
            if summary.cancelled {
                try store.setStatus(run: run.id, .interrupted)
                throw CLIError("interrupted: \(summary.answered + summary.failed) attempts stored, \(summary.unsent) left; resume with `candor resume \(run.id)` or the same `candor audit` command", code: .checkFailed).exit
            }
            try store.setStatus(run: run.id, .completed, finishedAt: Date())
            if let finished = try store.run(id: run.id) { runs.append(finished) }
        }
        return runs
    }

    func makeTarget(_ description: TargetDescription) throws -> any AuditTarget {
        switch description.kind {
        case .bundled(let model):
            do { return try LocalModelTarget(name: description.name, model: model) } catch { throw CLIError("\(description.name): \(error)", code: .unavailable).exit }
        case .openAICompatible(let baseURL, let model, let keyVariable):
            return OpenAICompatibleTarget(name: description.name, baseURL: baseURL, model: model, apiKeyEnvironmentVariable: keyVariable)
        case .ollama(let baseURL, let model):
            return OllamaTarget(name: description.name, baseURL: baseURL, model: model)
        }
    }
}

/// Deterministic JSON for hashing.
enum StoreJSON {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}

/// Turns Ctrl-C into a clean stop: the first interrupt cancels the run, a second one exits.
final class InterruptHandler: @unchecked Sendable {
    // @unchecked Sendable: `source` is created in init and only cancelled in stop(); the
    // dispatch source serialises its handler on its own queue.
    private let source: any DispatchSourceSignal
    private var interrupted = false

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "candor.interrupt"))
    }

    func onInterrupt(_ action: @escaping @Sendable () -> Void) {
        source.setEventHandler { [weak self] in
            guard let self else { return }
            if self.interrupted { exit(130) }
            self.interrupted = true
            FileHandleOutput.standardError.write("\nstopping: finishing in-flight requests (Ctrl-C again to quit at once)\n")
            action()
        }
        source.resume()
    }

    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
