import CandorCore
import CandorScheduler
import CandorStore
import Foundation
import LLMEngine
import HTTPTypes
import Hummingbird
import Logging

/// `candor serve`: the JSON API and dashboard pages over one findings store, plus the
/// scheduler for campaigns with a cron `schedule:`.
public struct AuditServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// `0` picks a free port; ``run(onListening:)`` reports the one bound.
        public var port: Int
        /// The folder holding `audits/`, `probes/` and `policies/`.
        public var root: URL
        /// From `CANDOR_API_TOKEN`.
        public var token: String?
        public var maxBodyBytes: Int
        public var candorVersion: String
        /// Enables the policy's embedding detectors for audits this server starts (as `candor audit` does).
        public var embedder: SentenceEmbedder?

        public init(host: String = "127.0.0.1", port: Int = 8080, root: URL, token: String?, maxBodyBytes: Int = 64 * 1024, candorVersion: String) {
            self.host = host
            self.port = port
            self.root = root
            self.token = token
            self.maxBodyBytes = maxBodyBytes
            self.candorVersion = candorVersion
        }

        /// Whether `host` only accepts connections from this machine.
        public var isLoopback: Bool {
            ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.")
        }
    }

    public let configuration: Configuration
    public let store: CandorStore
    public let jobs: AuditJobs
    let logger: Logger

    public init(configuration: Configuration, store: CandorStore, jobs: AuditJobs? = nil, logger: Logger = Logger(label: "candor.serve")) throws(ServerError) {
        if !configuration.isLoopback && (configuration.token ?? "").isEmpty {
            throw ServerError(.forbidden, "token_required", "listening on \(configuration.host) exposes the API beyond this machine; set CANDOR_API_TOKEN first")
        }
        self.configuration = configuration
        self.store = store
        self.jobs = jobs ?? AuditJobs(starter: AuditJobs.starter(root: configuration.root, store: store, candorVersion: configuration.candorVersion, embedder: configuration.embedder))
        self.logger = logger
    }

    /// The router with every API route and page, behind the error, security-header and access middleware.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: AccessMiddleware(token: configuration.token.flatMap { $0.isEmpty ? nil : $0 },
                                                tokenForReads: !configuration.isLoopback, maxBodyBytes: configuration.maxBodyBytes))
        let views = StoreViews(store: store, root: configuration.root, candorVersion: configuration.candorVersion)
        APIRoutes(views: views, jobs: jobs, maxBodyBytes: configuration.maxBodyBytes).register(on: router)
        PageRoutes(views: views, jobs: jobs).register(on: router)
        return router
    }

    /// The recurring campaigns under the root: name → schedule (invalid expressions are logged and skipped).
    public func schedules() -> [String: CronSchedule] {
        var result: [String: CronSchedule] = [:]
        for campaign in StoreViews(store: store, root: configuration.root, candorVersion: configuration.candorVersion).declaredCampaigns() {
            guard let expression = campaign.schedule else { continue }
            do { result[campaign.name] = try CronSchedule(expression) } catch { logger.warning("campaign \(campaign.name): \(error)") }
        }
        return result
    }

    /// Serves until cancelled or signalled, running recurring campaigns when due.
    public func run(clock: any WallClock = SystemWallClock(), onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let jobs = self.jobs
        let scheduler = try RecurringScheduler(
            schedules: schedules(), store: store, clock: clock, owner: "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        ) { campaign, finished in
            (try? await jobs.start(campaign: campaign, trigger: "schedule", onFinish: finished)) != nil
        }
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "candor"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let schedulerTask = Task { await scheduler.run() }
        defer { schedulerTask.cancel() }
        try await app.runService()
    }
}
