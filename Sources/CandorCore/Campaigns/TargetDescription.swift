/// A model a campaign audits, as declared: where it runs and how to reach it.
///
/// API keys are never part of a description: an HTTP target names the environment variable
/// that holds its key.
public struct TargetDescription: Sendable, Hashable, Codable {
    /// A short name for reports (`qwen-local`, `gpt-4o-mini`).
    public var name: String
    public var kind: Kind
    /// Overrides the model's default system prompt, or `nil` to keep it.
    public var systemPrompt: String?

    public enum Kind: Sendable, Hashable, Codable {
        /// A model run in-process by Candor's engine: a catalog id or a path to a GGUF file.
        case bundled(model: String)
        /// An OpenAI-compatible `/v1/chat/completions` endpoint.
        case openAICompatible(baseURL: String, model: String, apiKeyEnvironmentVariable: String?)
        /// An Ollama server's `/api/chat`.
        case ollama(baseURL: String, model: String)
    }

    public init(name: String, kind: Kind, systemPrompt: String? = nil) {
        self.name = name
        self.kind = kind
        self.systemPrompt = systemPrompt
    }

    /// The model string as declared (catalog id, path or endpoint model name).
    public var model: String {
        switch kind {
        case .bundled(let model), .openAICompatible(_, let model, _), .ollama(_, let model): model
        }
    }
}
