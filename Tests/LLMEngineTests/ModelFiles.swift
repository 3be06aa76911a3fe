import Foundation
import LLMCatalog
import LLMEngine
import LLMGGUF
import Testing

/// The bundled models, from the model cache (fetched by `make models`). A missing file fails
/// the test with the command that fetches it; it never skips silently.
enum ModelFiles {
    static func gguf(_ id: String) throws -> GGUFFile {
        let url = try ModelCatalog.bundled.locate(id)
        return try GGUFFile(url: url)
    }

    static func model(_ id: String) throws -> LanguageModel {
        try LanguageModel(url: ModelCatalog.bundled.locate(id), threads: 2)
    }
}

/// A llama.cpp reference fixture (see Fixtures/*.llamacpp.json).
struct LlamaCppFixture: Decodable {
    struct TokenCase: Decodable { var text: String; var tokens: [Int32] }
    struct Generation: Decodable {
        var prompt: String
        var chat_text: String
        var prompt_tokens: [Int32]
        var greedy_tokens: [Int32]
        var greedy_margins: [Double]
        var greedy_text: String
        var top_logits: [[Double]]
    }
    var model: String
    var gguf_sha256: String
    var tokenizer: [TokenCase]
    var generations: [Generation]

    static func load(_ name: String) throws -> LlamaCppFixture {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appending(path: "\(name).llamacpp.json")
        return try JSONDecoder().decode(LlamaCppFixture.self, from: Data(contentsOf: url))
    }
}
