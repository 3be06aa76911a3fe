import Foundation
import LLMCatalog
import LLMEngine

/// Finding and loading a bundled or local model for the commands that run one, with the same
/// messages and exit code (3) everywhere.
enum LocalModels {
    /// The file for a catalog id or a path to a `.gguf` file.
    static func locate(_ model: String) throws -> URL {
        do { return try ModelCatalog.bundled.locate(model) } catch { throw CLIError("\(error)", code: .unavailable).exit }
    }

    /// The model loaded for generation.
    static func load(_ model: String, threads: Int?) throws -> (url: URL, model: LanguageModel) {
        let url = try locate(model)
        do { return (url, try LanguageModel(url: url, threads: threads)) } catch {
            throw CLIError("cannot load \(url.path): \(error)", code: .unavailable).exit
        }
    }
}
