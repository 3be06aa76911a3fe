import Foundation
import HTTPTypes

/// A validated chat completion request.
struct ChatCall: Sendable {
    var messages: [ChatMessage]
    var options: ChatOptions
    var stream: Bool
}

/// Field-by-field checks with messages that name the field, the value and what is allowed.
enum ChatRequestValidation {
    static let roles: Set<String> = ["system", "user", "assistant"]
    static let maxTokensLimit = 32_768

    static func validate(_ data: Data, modelID: String) throws(APIError) -> ChatCall {
        let body: ChatCompletionRequestBody
        do {
            body = try JSONDecoder().decode(ChatCompletionRequestBody.self, from: data)
        } catch let DecodingError.typeMismatch(type, context) {
            throw .invalid(path(context.codingPath), "expected \(type) at \(path(context.codingPath))")
        } catch {
            throw .invalid(nil, "request body is not a JSON object of a chat completion request")
        }
        if let model = body.model, model != modelID {
            throw APIError(
                status: .notFound, message: "model '\(model)' is not served here; this server serves '\(modelID)'",
                param: "model", code: "model_not_found")
        }
        guard let rawMessages = body.messages, !rawMessages.isEmpty else {
            throw .invalid("messages", "messages must be a non-empty array of {role, content}")
        }
        var messages: [ChatMessage] = []
        for (index, message) in rawMessages.enumerated() {
            guard let role = message.role, roles.contains(role) else {
                throw .invalid("messages[\(index)].role", "messages[\(index)].role must be one of system, user, assistant; got \(message.role.map { "'\($0)'" } ?? "nothing")")
            }
            guard let content = message.content else {
                throw .invalid("messages[\(index)].content", "messages[\(index)].content must be a string")
            }
            messages.append(ChatMessage(role: role, content: content))
        }
        guard messages.last?.role == "user" else {
            throw .invalid("messages", "the last message must have role 'user'")
        }
        let maxTokens = body.max_completion_tokens ?? body.max_tokens ?? 512
        guard (1...maxTokensLimit).contains(maxTokens) else {
            throw .invalid("max_tokens", "max_tokens must be between 1 and \(maxTokensLimit); got \(maxTokens)")
        }
        let temperature = body.temperature ?? 1
        guard temperature.isFinite, (0...2).contains(temperature) else {
            throw .invalid("temperature", "temperature must be between 0 and 2; got \(temperature)")
        }
        let topP = body.top_p ?? 1
        guard topP.isFinite, topP > 0, topP <= 1 else {
            throw .invalid("top_p", "top_p must be in (0, 1]; got \(topP)")
        }
        return ChatCall(
            messages: messages, options: ChatOptions(maxTokens: maxTokens, temperature: temperature, topP: topP, seed: body.seed),
            stream: body.stream ?? false)
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "body" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
    }
}
