/// The Ollama `/api/chat` request body Candor sends (non-streaming).
struct OllamaChatRequest: Encodable {
    struct Message: Encodable {
        var role: String
        var content: String
    }

    struct Options: Encodable {
        var num_predict: Int
        var temperature: Double
        var top_p: Double
        var seed: Int64
    }

    var model: String
    var messages: [Message]
    var stream: Bool
    var options: Options
}

/// The parts of an Ollama chat answer Candor reads.
struct OllamaChatResponse: Decodable {
    struct Message: Decodable {
        var content: String?
        /// Present when the model thinks and the server separates it (`think: true` models).
        var thinking: String?
    }

    var model: String?
    var message: Message?
    var done_reason: String?
    var prompt_eval_count: Int?
    var eval_count: Int?
}

/// `POST /api/show` (only the fields used for the identity).
struct OllamaShowResponse: Decodable {
    struct Details: Decodable {
        var family: String?
        var parameter_size: String?
        var quantization_level: String?
    }

    var details: Details?
    var digest: String?
}
