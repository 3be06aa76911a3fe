import ArgumentParser
import CandorAudit
import CandorCore
import CandorStore
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
    @OptionGroup var embeddings: EmbeddingOptions

    func run() async throws {
        let store = try database.open()
        let session: AuditSession
        do {
            session = try AuditSession.prepare(
                campaignURL: AuditSession.campaignURL(campaign), store: store, targets: target,
                limitPerPack: limitPerPack, maxTokens: maxTokens, embedder: embeddings.load(), candorVersion: CandorVersion.string
            )
        } catch { throw error.cliError.exit }
        let runs = try await AuditRunner.run(session, force: force)
        if !noSummary { AuditSummary.print(store: store, runs: runs) }
    }
}

/// `candor resume <run>`: finish an interrupted run.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Finish an interrupted run (same as running its campaign again).")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The run id (see `candor runs list`).") var id: Int64
    @Option(help: "Candor root holding audits/.") var root: String = "."
    @OptionGroup var embeddings: EmbeddingOptions

    func run() async throws {
        let store = try database.openExisting()
        guard let run = try store.run(id: id) else { throw CLIError("no run \(id) in \(database.url.path)").exit }
        let session: AuditSession
        do {
            session = try AuditSession.prepare(
                campaignURL: AuditSession.campaignURL(run.campaign, root: URL(filePath: root)), store: store,
                targets: [run.target], resumeRun: run, embedder: embeddings.load(), candorVersion: CandorVersion.string
            )
        } catch { throw error.cliError.exit }
        let runs = try await AuditRunner.run(session, force: false)
        AuditSummary.print(store: store, runs: runs)
    }
}

/// Runs a session from the terminal: progress on standard error, Ctrl-C stops cleanly.
enum AuditRunner {
    static func run(_ session: AuditSession, force: Bool) async throws -> [Run] {
        let displays = ProgressDisplays()
        let interrupt = InterruptHandler()
        let task = Task { try await session.run(force: force, onEvent: displays.handle) }
        interrupt.onInterrupt { task.cancel() }
        defer { interrupt.stop() }
        do {
            return try await task.value
        } catch let error as AuditError {
            displays.finish()
            throw error.cliError.exit
        }
    }
}

extension AuditError {
    var cliError: CLIError {
        switch kind {
        case .invalidCampaign: CLIError(message, code: .badInput)
        case .unavailable: CLIError(message, code: .unavailable)
        case .configurationChanged, .interrupted: CLIError(message, code: .checkFailed)
        }
    }
}

/// Turns Ctrl-C into a clean stop: the first interrupt cancels the run, a second one exits.
final class InterruptHandler: @unchecked Sendable {
    // @unchecked Sendable: `source` is created in init and only cancelled in stop(); the
    // dispatch source serialises its handler on its own queue, which alone touches `interrupted`.
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
