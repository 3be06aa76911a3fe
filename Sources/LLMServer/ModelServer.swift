import Foundation
import Hummingbird
import Logging
import NIOCore

/// An OpenAI-compatible HTTP server over one ``ChatEngine`` (`candor serve-model`).
///
/// Routes: `GET /v1/models`, `POST /v1/chat/completions` (JSON, or server-sent events with
/// `"stream": true`). Binds `127.0.0.1` unless told otherwise: the server has no
/// authentication, so exposing it is an explicit choice.
public struct ModelServer: Sendable {
    public let engine: any ChatEngine
    public let host: String
    /// `0` picks a free port; ``run(onListening:)`` reports the one bound.
    public let port: Int
    /// Request bodies larger than this are refused with HTTP 413.
    public let maxRequestBytes: Int
    public let logger: Logger

    public init(
        engine: any ChatEngine, host: String = "127.0.0.1", port: Int = 8080, maxRequestBytes: Int = 1 << 20,
        logger: Logger = Logger(label: "candor.serve-model")
    ) {
        self.engine = engine
        self.host = host
        self.port = port
        self.maxRequestBytes = maxRequestBytes
        self.logger = logger
    }

    /// Serves until the surrounding task is cancelled (or, with `gracefulShutdownOnSignals`,
    /// until SIGINT/SIGTERM, finishing requests in flight).
    /// - Parameter onListening: called once with the bound port.
    public func run(
        gracefulShutdownOnSignals: Bool = false, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let router = Router()
        let models = ModelsRoute(modelID: engine.modelID, created: Int(Date().timeIntervalSince1970))
        let chat = ChatCompletionsRoute(engine: engine, maxRequestBytes: maxRequestBytes, logger: logger)
        router.get("v1/models") { _, _ in models.handle() }
        router.post("v1/chat/completions") { request, _ in await chat.handle(request) }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "candor-serve-model"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        if gracefulShutdownOnSignals {
            try await app.runService()
        } else {
            try await app.run()
        }
    }
}
