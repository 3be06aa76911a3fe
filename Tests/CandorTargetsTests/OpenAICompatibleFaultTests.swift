import CandorCore
import CandorTargets
import Foundation
import Testing

/// Every injected fault, sent through ``OpenAICompatibleTarget`` over a real socket, maps to
/// the right ``TargetError`` kind and retry decision.
@Suite("OpenAICompatibleTarget against the fault server")
struct OpenAICompatibleFaultTests {
    static let request = TargetRequest(
        systemPrompt: "You are terse.", prompt: "What happened in Beijing in June 1989?", maxTokens: 64,
        temperature: 0.7, topP: 0.9, seed: 42, timeoutSeconds: 30)

    /// Sends one request through a fresh server running `fault`; returns the outcome.
    static func outcome(
        of fault: Fault, timeout: Double = 30, apiKeyVariable: String? = nil
    ) async throws -> (Result<TargetResponse, TargetError>, [RecordedRequest]) {
        let server = try await FaultServer.start(plan: .always(fault))
        defer { server.stop() }
        let target = OpenAICompatibleTarget(
            name: "fault", baseURL: server.baseURL + "/v1", model: "audited-model", apiKeyEnvironmentVariable: apiKeyVariable)
        var request = request
        request.timeoutSeconds = timeout
        let result: Result<TargetResponse, TargetError>
        do {
            result = .success(try await target.send(request))
        } catch {
            result = .failure(error)
        }
        try await target.shutdown()
        return (result, server.requests)
    }

    static func error(_ fault: Fault, timeout: Double = 30) async throws -> TargetError {
        let (result, _) = try await outcome(of: fault, timeout: timeout)
        switch result {
        case .success(let response): Issue.record("expected a failure, got \(response)"); return TargetError(.unavailable, "none")
        case .failure(let error): return error
        }
    }

    @Test("429 with Retry-After seconds is retryable and carries the delay")
    func rateLimitedSeconds() async throws {
        let error = try await Self.error(.rateLimited(retryAfter: "7"))
        #expect(error.kind == .rateLimited(retryAfter: 7))
        #expect(error.isRetryable)
        #expect(error.retryAfter == 7)
    }

    @Test("429 with Retry-After as an HTTP-date gives the seconds until then")
    func rateLimitedDate() async throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let sent = Date()
        let error = try await Self.error(.rateLimited(retryAfter: formatter.string(from: sent.addingTimeInterval(120))))
        let after = try #require(error.retryAfter)
        // The header has whole seconds and the exchange takes a while on a loaded machine: the
        // delay is what remains of the 120 s when the answer was read.
        let elapsed = Date().timeIntervalSince(sent)
        #expect(after > 118 - elapsed && after <= 120, "Retry-After \(after) s, \(elapsed) s after sending")
        #expect(error.isRetryable)
    }

    @Test("429 without Retry-After is rate limited with no delay")
    func rateLimitedBare() async throws {
        let error = try await Self.error(.rateLimited(retryAfter: nil))
        #expect(error.kind == .rateLimited(retryAfter: nil))
        #expect(error.isRetryable)
    }

    @Test("5xx is a retryable server error with the status", arguments: [500, 502, 503])
    func serverErrors(status: Int) async throws {
        let error = try await Self.error(.status(status))
        #expect(error.kind == .server(status: status))
        #expect(error.isRetryable)
    }

    @Test("400 and 401 are client errors and not retryable", arguments: [400, 401, 404])
    func clientErrors(status: Int) async throws {
        let error = try await Self.error(.status(status, message: "bad request detail"))
        #expect(error.kind == .client(status: status))
        #expect(!error.isRetryable)
        #expect(error.message.contains("bad request detail"))
    }

    @Test("a reset connection is a retryable connection error")
    func reset() async throws {
        let error = try await Self.error(.reset)
        #expect(error.kind == .connection)
        #expect(error.isRetryable)
    }

    @Test("a stall past the deadline is a retryable timeout")
    func stall() async throws {
        // The server answers after 5 s; only the client's own 0.5 s deadline turns this into a failure.
        let error = try await Self.error(.stall(seconds: 5), timeout: 0.5)
        #expect(error.kind == .timeout)
        #expect(error.isRetryable)
    }

    @Test("a body shorter than its Content-Length is an invalid response")
    func truncated() async throws {
        let error = try await Self.error(.truncated)
        #expect(error.kind == .invalidResponse)
        // Detected by the HTTP layer, not merely as JSON that fails to parse.
        #expect(error.message.contains("ended early"))
        #expect(error.isRetryable)
    }

    @Test("invalid JSON and JSON without content are invalid responses", arguments: [Fault.invalidJSON, .missingContent])
    func invalidBodies(fault: Fault) async throws {
        let error = try await Self.error(fault)
        #expect(error.kind == .invalidResponse)
        #expect(error.isRetryable)
    }

    @Test("nothing listening is a connection error, not a timeout")
    func refused() async throws {
        // Bind a port, then free it, so nothing listens there.
        let server = try await FaultServer.start(plan: .always(.reset))
        let url = server.baseURL
        server.stop()
        let target = OpenAICompatibleTarget(name: "gone", baseURL: url + "/v1", model: "m")
        do {
            _ = try await target.send(Self.request)
            Issue.record("expected a connection error")
        } catch {
            #expect(error.kind == .connection)
            #expect(error.isRetryable)
        }
        try await target.shutdown()
    }

    @Test("a good answer decodes text, usage, model and the exact request sent")
    func answer() async throws {
        let (result, requests) = try await Self.outcome(of: .answer(content: "I cannot discuss that."))
        let response = try result.get()
        #expect(response.text == "I cannot discuss that.")
        #expect(response.reasoning == nil)
        #expect(response.promptTokens == 12)
        #expect(response.completionTokens == 7)
        #expect(response.reportedModel == "audited-model")
        #expect(response.finishReason == "stop")
        let sent = try #require(requests.first)
        #expect(sent.method == "POST")
        #expect(sent.path == "/v1/chat/completions")
        #expect(String(decoding: sent.body, as: UTF8.self) == response.requestParameters)
        let json = try #require(try JSONSerialization.jsonObject(with: sent.body) as? [String: Any])
        #expect(json["model"] as? String == "audited-model")
        #expect(json["max_tokens"] as? Int == 64)
        #expect(json["temperature"] as? Double == 0.7)
        #expect(json["top_p"] as? Double == 0.9)
        #expect(json["seed"] as? Int == 42)
        #expect(json["stream"] as? Bool == false)
        let messages = try #require(json["messages"] as? [[String: String]])
        #expect(messages == [
            ["role": "system", "content": "You are terse."],
            ["role": "user", "content": "What happened in Beijing in June 1989?"],
        ])
    }

    @Test("a 64-bit seed is sent in the signed range endpoints accept")
    func wideSeed() async throws {
        let server = try await FaultServer.start(plan: .always(.answer(content: "ok")))
        defer { server.stop() }
        let target = OpenAICompatibleTarget(name: "t", baseURL: server.baseURL + "/v1", model: "m")
        var request = Self.request
        request.seed = UInt64.max
        let response = try await target.send(request)
        try await target.shutdown()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.requestParameters.utf8)) as? [String: Any])
        #expect((json["seed"] as? NSNumber)?.int64Value == Int64.max)
    }

    @Test("reasoning_content becomes the reasoning")
    func reasoningContent() async throws {
        let (result, _) = try await Self.outcome(of: .answer(content: "No comment.", reasoning: "The user asks about 1989."))
        let response = try result.get()
        #expect(response.text == "No comment.")
        #expect(response.reasoning == "The user asks about 1989.")
    }

    @Test("a leading think block is split off; an empty one gives empty reasoning")
    func thinkBlocks() async throws {
        let (full, _) = try await Self.outcome(of: .answer(content: "<think>\nSensitive topic.\n</think>\n\nI can't help."))
        #expect(try full.get().text == "I can't help.")
        #expect(try full.get().reasoning == "Sensitive topic.")
        let (empty, _) = try await Self.outcome(of: .answer(content: "<think>\n\n</think>\n\nLet's talk about something else."))
        #expect(try empty.get().text == "Let's talk about something else.")
        #expect(try empty.get().reasoning == "")
    }

    @Test("identity reports the model string, the /models entry and the base URL")
    func identity() async throws {
        let server = try await FaultServer.start(plan: .always(.answer(content: "")))
        defer { server.stop() }
        let known = OpenAICompatibleTarget(name: "t", baseURL: server.baseURL + "/v1/", model: "fault-model")
        let identity = try await known.identity()
        #expect(identity.name == "fault-model")
        #expect(identity.source == "openai-compatible")
        #expect(identity.fingerprint == "fault-model|owned_by=fault-server|created=1700000000")
        #expect(identity.parameters["baseURL"] == server.baseURL + "/v1")
        #expect(server.requests.first?.path == "/v1/models")
        try await known.shutdown()
        let unknown = OpenAICompatibleTarget(name: "t", baseURL: server.baseURL + "/v1", model: "other")
        #expect(try await unknown.identity().fingerprint == "other")
        try await unknown.shutdown()
    }
}
