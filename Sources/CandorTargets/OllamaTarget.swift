import AsyncHTTPClient
import CandorCore
import Foundation
import NIOHTTP1

/// A model served by Ollama's native `/api/chat`.
///
/// Call ``shutdown()`` once the target is no longer used.
public struct OllamaTarget: AuditTarget {
    public let name: String
    /// The server root, e.g. `http://127.0.0.1:11434`.
    public let baseURL: String
    public let model: String

    private let exchange: HTTPExchange
    private let ownsClient: Bool

    /// - Parameter httpClient: a client to share; when `nil` the target creates one and ``shutdown()`` shuts it down.
    public init(name: String, baseURL: String = "http://127.0.0.1:11434", model: String, httpClient: HTTPClient? = nil) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.model = model
        self.exchange = HTTPExchange(client: httpClient ?? HTTPClientOwnership.makeClient())
        self.ownsClient = httpClient == nil
    }

    /// Shuts down the HTTP client if this target created it.
    public func shutdown() async throws {
        if ownsClient { try await exchange.client.shutdown() }
    }

    /// The model tag, refined by `POST /api/show` (digest, quantization) when available.
    public func identity() async throws(TargetError) -> ModelIdentity {
        var fingerprint = model
        var parameters = ["baseURL": baseURL]
        struct ShowRequest: Encodable { var model: String }
        if let body = try? JSONWire.encode(ShowRequest(model: model)),
            let data = try? await exchange.perform(
                method: .POST, url: baseURL + "/api/show", body: body, bearerToken: nil, timeoutSeconds: 30),
            let show = try? JSONWire.decode(OllamaShowResponse.self, from: data, source: "POST /api/show")
        {
            if let digest = show.digest { fingerprint += "|digest=\(digest)" }
            if let details = show.details {
                if let family = details.family { parameters["family"] = family }
                if let size = details.parameter_size { parameters["parameterSize"] = size }
                if let quantization = details.quantization_level {
                    parameters["quantization"] = quantization
                    fingerprint += "|quantization=\(quantization)"
                }
            }
        }
        return ModelIdentity(name: model, source: "ollama", fingerprint: fingerprint, parameters: parameters)
    }

    public func send(_ request: TargetRequest) async throws(TargetError) -> TargetResponse {
        var messages: [OllamaChatRequest.Message] = []
        if let system = request.systemPrompt { messages.append(.init(role: "system", content: system)) }
        messages.append(.init(role: "user", content: request.prompt))
        let payload = OllamaChatRequest(
            model: model, messages: messages, stream: false,
            options: .init(num_predict: request.maxTokens, temperature: request.temperature, top_p: request.topP, seed: WireSeed.signed63(request.seed)))
        let body = try JSONWire.encode(payload)
        let url = baseURL + "/api/chat"
        let data = try await exchange.perform(
            method: .POST, url: url, body: body, bearerToken: nil, timeoutSeconds: request.timeoutSeconds)
        let decoded = try JSONWire.decode(OllamaChatResponse.self, from: data, source: url)
        guard let message = decoded.message, let content = message.content else {
            throw TargetError(.invalidResponse, "\(url) answered without message.content")
        }
        let (answer, inline) = ReasoningExtraction.split(content)
        return TargetResponse(
            text: answer, reasoning: message.thinking ?? inline, promptTokens: decoded.prompt_eval_count,
            completionTokens: decoded.eval_count, reportedModel: decoded.model, finishReason: decoded.done_reason,
            requestParameters: String(decoding: body, as: UTF8.self))
    }
}
