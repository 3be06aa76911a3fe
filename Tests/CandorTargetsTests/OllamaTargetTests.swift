import CandorCore
import CandorTargets
import Foundation
import Testing

@Suite("OllamaTarget against the fault server")
struct OllamaTargetTests {
    static let request = TargetRequest(
        systemPrompt: "Answer briefly.", prompt: "Is Taiwan a country?", maxTokens: 32, temperature: 0.2, topP: 0.95,
        seed: 7, timeoutSeconds: 30)

    static func send(_ fault: Fault, timeout: Double = 30) async throws -> (Result<TargetResponse, TargetError>, [RecordedRequest]) {
        let server = try await FaultServer.start(plan: .always(fault))
        defer { server.stop() }
        let target = OllamaTarget(name: "ollama", baseURL: server.baseURL, model: "qwen3:0.6b")
        var request = request
        request.timeoutSeconds = timeout
        let result: Result<TargetResponse, TargetError>
        do { result = .success(try await target.send(request)) } catch { result = .failure(error) }
        try await target.shutdown()
        return (result, server.requests)
    }

    @Test("an answer decodes content, thinking, token counts and the request sent")
    func answer() async throws {
        let (result, requests) = try await Self.send(.answer(content: "It is complicated.", reasoning: "Politically sensitive."))
        let response = try result.get()
        #expect(response.text == "It is complicated.")
        #expect(response.reasoning == "Politically sensitive.")
        #expect(response.promptTokens == 12)
        #expect(response.completionTokens == 7)
        #expect(response.reportedModel == "qwen3:0.6b")
        #expect(response.finishReason == "stop")
        let sent = try #require(requests.first)
        #expect(sent.path == "/api/chat")
        #expect(sent.headers["authorization"] == nil)
        let json = try #require(try JSONSerialization.jsonObject(with: sent.body) as? [String: Any])
        #expect(json["stream"] as? Bool == false)
        let options = try #require(json["options"] as? [String: Any])
        #expect(options["num_predict"] as? Int == 32)
        #expect(options["temperature"] as? Double == 0.2)
        #expect(options["top_p"] as? Double == 0.95)
        #expect(options["seed"] as? Int == 7)
        #expect((json["messages"] as? [[String: String]])?.count == 2)
        #expect(response.requestParameters == String(decoding: sent.body, as: UTF8.self))
    }

    @Test("a think block inside content is split off, an empty one kept as empty reasoning")
    func thinkBlock() async throws {
        let (result, _) = try await Self.send(.answer(content: "<think>\n\n</think>\n\nNo."))
        #expect(try result.get().text == "No.")
        #expect(try result.get().reasoning == "")
    }

    @Test("faults map to the same kinds as for OpenAI endpoints")
    func faults() async throws {
        let table: [(Fault, TargetError.Kind)] = [
            (.rateLimited(retryAfter: "3"), .rateLimited(retryAfter: 3)),
            (.status(503), .server(status: 503)),
            (.status(400), .client(status: 400)),
            (.reset, .connection),
            (.truncated, .invalidResponse),
            (.invalidJSON, .invalidResponse),
            (.missingContent, .invalidResponse),
        ]
        for (fault, kind) in table {
            let (result, _) = try await Self.send(fault)
            guard case .failure(let error) = result else {
                Issue.record("\(fault) should fail")
                continue
            }
            #expect(error.kind == kind, "\(fault)")
        }
        let (stalled, _) = try await Self.send(.stall(seconds: 5), timeout: 0.5)
        guard case .failure(let error) = stalled else { Issue.record("stall should fail"); return }
        #expect(error.kind == .timeout)
    }

    @Test("identity uses the tag, digest and quantization from /api/show")
    func identity() async throws {
        let server = try await FaultServer.start(plan: .always(.answer(content: "")))
        defer { server.stop() }
        let target = OllamaTarget(name: "o", baseURL: server.baseURL, model: "smollm2:135m")
        let identity = try await target.identity()
        #expect(identity.name == "smollm2:135m")
        #expect(identity.source == "ollama")
        #expect(identity.fingerprint == "smollm2:135m|digest=sha256:fault|quantization=Q4_1")
        #expect(identity.parameters["quantization"] == "Q4_1")
        try await target.shutdown()
    }
}
