import LLMEngine
import LLMTokenizers
import Synchronization

/// The bundled engine behind the HTTP server. Generations run one at a time (the engine uses
/// every core for one forward pass), on a detached task so the server's event loops stay free.
public final class EngineChatEngine: ChatEngine {
    public let modelID: String
    let model: LanguageModel
    private let gate = GenerationGate()

    public init(model: LanguageModel, modelID: String) {
        self.model = model
        self.modelID = modelID
    }

    public func complete(
        messages: [ChatMessage], options: ChatOptions, onText: @escaping @Sendable (String) -> Bool
    ) async throws -> ChatCompletionResult {
        let conversation = messages.compactMap { message -> LLMTokenizers.ChatMessage? in
            guard let role = LLMTokenizers.ChatMessage.Role(rawValue: message.role) else { return nil }
            return LLMTokenizers.ChatMessage(role: role, content: message.content)
        }
        let tokens = try model.tokenizer.encode(model.template.render(conversation))
        let parameters = SamplingParameters(
            temperature: Float(options.temperature), topP: Float(options.topP), seed: options.seed ?? 0, maxTokens: options.maxTokens
        )
        let model = self.model
        return await gate.run {
            let result = model.generate(promptTokens: tokens, parameters: parameters) { token in
                token.text.isEmpty || onText(token.text)
            }
            return ChatCompletionResult(text: result.text, promptTokens: result.promptTokens, completionTokens: result.tokens.count,
                                        finishReason: result.finishReason == .cancelled ? "cancelled" : (result.finishReason == .length ? "length" : "stop"))
        }
    }
}

/// Runs blocking work one job at a time, off the cooperative thread pool.
actor GenerationGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        }
        busy = true
        let value = await Task.detached(priority: .userInitiated, operation: work).value
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
        return value
    }
}
