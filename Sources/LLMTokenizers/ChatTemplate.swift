import LLMGGUF

/// A rendered prompt: text and special tokens in order.
public struct ChatSegments: Sendable, Hashable {
    public enum Segment: Sendable, Hashable {
        case special(String)
        case text(String)
    }

    public var segments: [Segment]

    /// The prompt as one string, specials included (for display and fixtures).
    public var text: String {
        segments.map { segment in
            switch segment {
            case .special(let name): name
            case .text(let text): text
            }
        }.joined()
    }
}

/// A chat message.
public struct ChatMessage: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable { case system, user, assistant }
    public var role: Role
    public var content: String
    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// The chat template family of a model, recognised from `tokenizer.chat_template` (Jinja is not
/// executed: the known families are rendered by hand, exactly as their templates do).
public struct ChatTemplate: Sendable, Hashable {
    public enum Family: String, Sendable, Hashable { case chatML = "chatml" }

    public let family: Family
    /// The system prompt the template inserts when the conversation has none.
    public let defaultSystemPrompt: String?

    /// Known default system prompts, by a distinctive fragment of their template.
    static let knownDefaults: [String] = [
        "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
        "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
    ]

    public init(template: String) throws(TokenizerError) {
        guard template.contains("<|im_start|>"), template.contains("<|im_end|>") else {
            let excerpt = String(template.prefix(80))
            throw TokenizerError("unknown chat template (supported: ChatML as used by SmolLM2 and Qwen2.5); the template starts with: \(excerpt)")
        }
        family = .chatML
        defaultSystemPrompt = Self.knownDefaults.first { template.contains($0) }
    }

    public init(gguf: GGUFFile) throws(TokenizerError) {
        guard let template = gguf.string("tokenizer.chat_template") else { throw TokenizerError("the model has no tokenizer.chat_template") }
        try self.init(template: template)
    }

    /// Renders `messages` and the opening of the assistant's turn. A leading system message
    /// replaces the default system prompt.
    public func render(_ messages: [ChatMessage]) -> ChatSegments {
        var all = messages
        if all.first?.role != .system, let defaultSystemPrompt {
            all.insert(ChatMessage(role: .system, content: defaultSystemPrompt), at: 0)
        }
        var segments: [ChatSegments.Segment] = []
        for message in all {
            segments += [.special("<|im_start|>"), .text("\(message.role.rawValue)\n\(message.content)"), .special("<|im_end|>"), .text("\n")]
        }
        segments += [.special("<|im_start|>"), .text("assistant\n")]
        return ChatSegments(segments: segments)
    }

    /// Renders one user prompt with an optional system prompt override.
    public func render(prompt: String, system: String? = nil) -> ChatSegments {
        render((system.map { [ChatMessage(role: .system, content: $0)] } ?? []) + [ChatMessage(role: .user, content: prompt)])
    }
}
