/// `POST /v1/chat/completions` body, decoded leniently and then validated field by field.
struct ChatCompletionRequestBody: Decodable {
    struct Message: Decodable {
        var role: String?
        var content: String?
    }

    var model: String?
    var messages: [Message]?
    var max_tokens: Int?
    var max_completion_tokens: Int?
    var temperature: Double?
    var top_p: Double?
    var seed: UInt64?
    var stream: Bool?
}

/// A non-streaming completion.
struct ChatCompletionBody: Encodable {
    struct Choice: Encodable {
        var index: Int
        var message: ChatMessage
        var finish_reason: String
    }

    struct Usage: Encodable {
        var prompt_tokens: Int
        var completion_tokens: Int
        var total_tokens: Int
    }

    var id: String
    var object = "chat.completion"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage
}

/// One server-sent event of a streamed completion.
struct ChatCompletionChunk: Encodable {
    struct Delta: Encodable {
        var role: String?
        var content: String?
    }

    struct Choice: Encodable {
        var index: Int
        var delta: Delta
        var finish_reason: String?
    }

    var id: String
    var object = "chat.completion.chunk"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: ChatCompletionBody.Usage?
}

/// `GET /v1/models`.
struct ModelListBody: Encodable {
    struct Entry: Encodable {
        var id: String
        var object = "model"
        var created: Int
        var owned_by: String
    }

    var object = "list"
    var data: [Entry]
}

/// OpenAI's error envelope: `{"error": {"message", "type", "param", "code"}}`.
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var message: String
        var type: String
        var param: String?
        var code: String?
    }

    var error: Detail
}
