import ArgumentParser
import Foundation
import LLMCatalog
import LLMEngine
import LLMServer

/// `candor serve-model`: the bundled engine as an OpenAI-compatible server.
struct ServeModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-model",
        abstract: "Serve a bundled or local model over an OpenAI-compatible HTTP API (chat completions, streaming, models).",
        discussion: "Binds 127.0.0.1 unless --host says otherwise. Stops on Ctrl-C."
    )

    @Option(help: "A catalog model id or a path to a .gguf file.") var model: String = "smollm2-135m-instruct"
    @Option(help: "Address to bind.") var host: String = "127.0.0.1"
    @Option(help: "Port (0 picks a free one and prints it).") var port: Int = 8000
    @Option(help: "Threads for the matrix kernels (default: all cores).") var threads: Int?

    func run() async throws {
        let (url, engine) = try LocalModels.load(model, threads: threads)
        let id = ModelCatalog.bundled.entry(model)?.id ?? url.deletingPathExtension().lastPathComponent
        let server = ModelServer(engine: EngineChatEngine(model: engine, modelID: id), host: host, port: port)
        try await server.run(gracefulShutdownOnSignals: true) { bound in
            // Written unbuffered: scripts and tests wait for this line on a pipe to learn the port.
            let line = "serving \(id) on http://\(host):\(bound)/v1 (OpenAI-compatible: GET /v1/models, POST /v1/chat/completions)\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }
}
