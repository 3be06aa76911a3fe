import LLMServer

/// A deterministic ``ChatEngine`` for testing the HTTP plumbing only (the real model is tested
/// in LLMEngineTests): it answers `echo: <last user message>`, one word per piece, stops at
/// `maxTokens` pieces with `length`, and honours the callback's request to stop.
struct ScriptedChatEngine: ChatEngine {
    struct Failure: Error {}

    let modelID: String
    var failing = false

    func complete(
        messages: [ChatMessage], options: ChatOptions, onText: @escaping @Sendable (String) -> Bool
    ) async throws -> ChatCompletionResult {
        if failing { throw Failure() }
        let words = ("echo: " + (messages.last?.content ?? "")).split(separator: " ", omittingEmptySubsequences: false)
        let promptTokens = messages.reduce(0) { $0 + $1.content.split(separator: " ").count }
        var text = ""
        for (index, word) in words.enumerated() {
            if index == options.maxTokens {
                return ChatCompletionResult(text: text, promptTokens: promptTokens, completionTokens: index, finishReason: "length")
            }
            let piece = index == 0 ? String(word) : " " + word
            text += piece
            if !onText(piece) {
                return ChatCompletionResult(text: text, promptTokens: promptTokens, completionTokens: index + 1, finishReason: "cancelled")
            }
            await Task.yield()
        }
        return ChatCompletionResult(text: text, promptTokens: promptTokens, completionTokens: words.count, finishReason: "stop")
    }
}
