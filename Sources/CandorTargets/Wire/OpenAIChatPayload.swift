/// The `/v1/chat/completions` request body Candor sends (non-streaming).
struct OpenAIChatRequest: Encodable {
    struct Message: Encodable {
        var role: String
        var content: String
    }

    var model: String
    var messages: [Message]
    var max_tokens: Int
    var temperature: Double
    var top_p: Double
    var seed: Int64
    var stream: Bool
}

/// The parts of a chat completion Candor reads. Everything is optional so that a missing field
/// is reported by the target as an invalid response instead of a decoding failure.
struct OpenAIChatResponse: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable {
            var content: String?
            /// DeepSeek's field for the chain of thought.
            var reasoning_content: String?
            /// The field some servers (vLLM's newer parsers, OpenRouter) use instead.
            var reasoning: String?
        }

        var message: Message?
        var finish_reason: String?
    }

    struct Usage: Decodable {
        var prompt_tokens: Int?
        var completion_tokens: Int?
    }

    var model: String?
    var choices: [Choice]?
    var usage: Usage?
}

/// `GET /v1/models`.
struct OpenAIModelList: Decodable {
    struct Entry: Decodable {
        var id: String
        var owned_by: String?
        var created: Int?
    }

    var data: [Entry]
}
