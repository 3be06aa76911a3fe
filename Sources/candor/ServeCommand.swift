import ArgumentParser
import CandorServer
import Foundation

/// `candor serve`: the audit service (JSON API, dashboard, recurring campaigns).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the findings store as a JSON API and dashboard, and run campaigns with a `schedule:` when due.",
        discussion: """
            Binds 127.0.0.1:8080 unless told otherwise. Write requests (starting and cancelling runs) need \
            `Authorization: Bearer $CANDOR_API_TOKEN`; binding any other address requires the token on every request. \
            Campaigns are read by name from <root>/audits. Stops on Ctrl-C.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to bind.") var host: String = "127.0.0.1"
    @Option(help: "Port (0 picks a free one and prints it).") var port: Int = 8080
    @Option(help: "The folder holding audits/, probes/ and policies/.") var root: String = "."
    @OptionGroup var embeddings: EmbeddingOptions

    func run() async throws {
        let store = try database.open()
        let token = ProcessInfo.processInfo.environment["CANDOR_API_TOKEN"]
        var configuration = AuditServer.Configuration(host: host, port: port, root: URL(filePath: root), token: token, candorVersion: CandorVersion.string)
        configuration.embedder = embeddings.load()
        let server: AuditServer
        do { server = try AuditServer(configuration: configuration, store: store) } catch { throw CLIError(error.message).exit }
        let host = self.host
        try await server.run { bound in
            // Written unbuffered: scripts and tests wait for this line on a pipe to learn the port.
            FileHandle.standardOutput.write(Data("candor serving on http://\(host):\(bound)/\n".utf8))
        }
    }
}
