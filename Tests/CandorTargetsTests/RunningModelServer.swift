import LLMServer
import Logging

/// A ``ModelServer`` running on a free port of 127.0.0.1 for the duration of a test.
struct RunningModelServer {
    let port: Int
    let task: Task<Void, any Error>

    var baseURL: String { "http://127.0.0.1:\(port)" }

    static func start(_ engine: any ChatEngine, maxRequestBytes: Int = 1 << 20) async throws -> RunningModelServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        // Cancelling the server task at the end of a test is logged by Hummingbird as an error; keep tests quiet.
        var logger = Logger(label: "candor.serve-model.test")
        logger.logLevel = .critical
        let server = ModelServer(engine: engine, port: 0, maxRequestBytes: maxRequestBytes, logger: logger)
        let task = Task {
            defer { continuation.finish() }
            try await server.run { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            _ = await task.result
            throw ServerDidNotStart()
        }
        return RunningModelServer(port: port, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    struct ServerDidNotStart: Error {}
}
