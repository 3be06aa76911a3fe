/// What the HTTP server needs from a model: turn a conversation into an answer, streaming text.
///
/// The bundled engine is adapted to this protocol; tests of the HTTP plumbing use a
/// deterministic engine. Implementations must be safe to call from concurrent requests
/// (serialize internally if the model is single-threaded).
public protocol ChatEngine: Sendable {
    /// The id reported by `GET /v1/models` and in every completion.
    var modelID: String { get }

    /// Generates the assistant's answer to `messages`.
    /// - Parameter onText: called with each piece of generated text, in order; return `false`
    ///   to stop generating (the client went away). The result's text is the concatenation.
    func complete(
        messages: [ChatMessage], options: ChatOptions, onText: @escaping @Sendable (String) -> Bool
    ) async throws -> ChatCompletionResult
}

/// One message of a conversation.
public struct ChatMessage: Sendable, Hashable, Codable {
    /// `system`, `user` or `assistant`.
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Sampling options of one request, already validated.
public struct ChatOptions: Sendable, Hashable {
    public var maxTokens: Int
    public var temperature: Double
    public var topP: Double
    /// `nil`: the engine picks a seed.
    public var seed: UInt64?

    public init(maxTokens: Int, temperature: Double, topP: Double, seed: UInt64?) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
    }
}

/// A finished generation.
public struct ChatCompletionResult: Sendable, Hashable {
    public var text: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// `stop` (end of turn), `length` (max tokens) or `cancelled` (the callback asked to stop).
    public var finishReason: String

    public init(text: String, promptTokens: Int, completionTokens: Int, finishReason: String) {
        self.text = text
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
    }
}
