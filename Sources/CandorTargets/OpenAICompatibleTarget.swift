import AsyncHTTPClient
import CandorCore
import Foundation
import NIOHTTP1

/// Any endpoint speaking OpenAI's `/v1/chat/completions` (vLLM, llama.cpp server, DeepSeek,
/// `candor serve-model`, OpenAI itself).
///
/// The API key is read from the named environment variable on every call and is only ever put
/// in the `Authorization` header: it is not stored, logged, recorded or quoted in errors.
/// Call ``shutdown()`` once the target is no longer used.
public struct OpenAICompatibleTarget: AuditTarget {
    public let name: String
    /// The API root including the version, e.g. `http://127.0.0.1:8000/v1`.
    public let baseURL: String
    public let model: String
    /// The environment variable holding the API key, or `nil` for endpoints without auth.
    public let apiKeyEnvironmentVariable: String?

    private let exchange: HTTPExchange
    private let ownsClient: Bool

    /// - Parameters:
    ///   - baseURL: the API root as given (a trailing `/` is ignored).
    ///   - httpClient: a client to share between targets; when `nil` the target creates one and
    ///     ``shutdown()`` shuts it down.
    public init(
        name: String, baseURL: String, model: String, apiKeyEnvironmentVariable: String? = nil,
        httpClient: HTTPClient? = nil
    ) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.model = model
        self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
        self.exchange = HTTPExchange(client: httpClient ?? HTTPClientOwnership.makeClient())
        self.ownsClient = httpClient == nil
    }

    /// Shuts down the HTTP client if this target created it.
    public func shutdown() async throws {
        if ownsClient { try await exchange.client.shutdown() }
    }

    /// The model string, refined by the endpoint's `GET /models` entry for it when available.
    public func identity() async throws(TargetError) -> ModelIdentity {
        var fingerprint = model
        var parameters = ["baseURL": baseURL]
        let key = try APIKey.read(apiKeyEnvironmentVariable)
        if let data = try? await exchange.perform(
            method: .GET, url: baseURL + "/models", body: nil, bearerToken: key, timeoutSeconds: 30),
            let list = try? JSONWire.decode(OpenAIModelList.self, from: data, source: "GET /models"),
            let entry = list.data.first(where: { $0.id == model })
        {
            if let owner = entry.owned_by { parameters["ownedBy"] = owner; fingerprint += "|owned_by=\(owner)" }
            if let created = entry.created { parameters["created"] = String(created); fingerprint += "|created=\(created)" }
        }
        return ModelIdentity(name: model, source: "openai-compatible", fingerprint: fingerprint, parameters: parameters)
    }

    public func send(_ request: TargetRequest) async throws(TargetError) -> TargetResponse {
        var messages: [OpenAIChatRequest.Message] = []
        if let system = request.systemPrompt { messages.append(.init(role: "system", content: system)) }
        messages.append(.init(role: "user", content: request.prompt))
        let payload = OpenAIChatRequest(
            model: model, messages: messages, max_tokens: request.maxTokens, temperature: request.temperature,
            top_p: request.topP, seed: WireSeed.signed63(request.seed), stream: false)
        let body = try JSONWire.encode(payload)
        let key = try APIKey.read(apiKeyEnvironmentVariable)
        let url = baseURL + "/chat/completions"
        let data = try await exchange.perform(
            method: .POST, url: url, body: body, bearerToken: key, timeoutSeconds: request.timeoutSeconds)
        let decoded = try JSONWire.decode(OpenAIChatResponse.self, from: data, source: url)

        guard let choice = decoded.choices?.first, let message = choice.message else {
            throw TargetError(.invalidResponse, "\(url) answered without choices[0].message")
        }
        let separate = message.reasoning_content ?? message.reasoning
        guard message.content != nil || separate != nil else {
            throw TargetError(.invalidResponse, "\(url) answered without choices[0].message.content")
        }
        let (answer, inline) = ReasoningExtraction.split(message.content ?? "")
        return TargetResponse(
            text: answer, reasoning: separate ?? inline, promptTokens: decoded.usage?.prompt_tokens,
            completionTokens: decoded.usage?.completion_tokens, reportedModel: decoded.model,
            finishReason: choice.finish_reason, requestParameters: String(decoding: body, as: UTF8.self))
    }
}
