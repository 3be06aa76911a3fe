import AsyncHTTPClient
import CandorCore
import CandorTargets
import Foundation
import LLMServer
import NIOCore
import NIOHTTP1
import Testing

@Suite("LLMServer over a real socket")
struct ModelServerTests {
    static let engine = ScriptedChatEngine(modelID: "scripted-model")

    /// Posts raw JSON to `/v1/chat/completions`; returns status and body text.
    static func post(_ json: String, to server: RunningModelServer) async throws -> (Int, String) {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            var request = HTTPClientRequest(url: server.baseURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
            let response = try await client.execute(request, timeout: .seconds(300))
            let body = try await response.body.collect(upTo: 1 << 22)
            try await client.shutdown()
            return (Int(response.status.code), String(buffer: body))
        } catch {
            try await client.shutdown()
            throw error
        }
    }

    @Test("an OpenAICompatibleTarget gets the engine's answer end to end")
    func endToEnd() async throws {
        let server = try await RunningModelServer.start(Self.engine)
        let target = OpenAICompatibleTarget(name: "local", baseURL: server.baseURL + "/v1", model: "scripted-model")
        let request = TargetRequest(
            systemPrompt: "Be brief.", prompt: "who are you", maxTokens: 100, temperature: 0, topP: 1, seed: 3, timeoutSeconds: 300)
        let response = try await target.send(request)
        #expect(response.text == "echo: who are you")
        #expect(response.reasoning == nil)
        #expect(response.reportedModel == "scripted-model")
        #expect(response.finishReason == "stop")
        #expect(response.promptTokens == 5)
        #expect(response.completionTokens == 4)

        var short = request
        short.maxTokens = 2
        let truncated = try await target.send(short)
        #expect(truncated.text == "echo: who")
        #expect(truncated.finishReason == "length")

        let identity = try await target.identity()
        #expect(identity.fingerprint.hasPrefix("scripted-model|owned_by=candor"))
        try await target.shutdown()
        await server.stop()
    }

    @Test("stream: true answers server-sent events that add up to the answer and end with [DONE]")
    func streaming() async throws {
        let server = try await RunningModelServer.start(Self.engine)
        let (status, body) = try await Self.post(
            #"{"model":"scripted-model","stream":true,"messages":[{"role":"user","content":"one two three"}]}"#, to: server)
        await server.stop()
        #expect(status == 200)
        #expect(body.hasSuffix("\n\n"))
        let events = body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.allSatisfy { $0.hasPrefix("data: ") })
        #expect(events.last == "data: [DONE]")
        var text = ""
        var roles: [String] = []
        var finishReasons: [String] = []
        var completionTokens: Int?
        for event in events.dropLast() {
            let payload = Data(event.dropFirst("data: ".count).utf8)
            let chunk = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
            #expect(chunk["object"] as? String == "chat.completion.chunk")
            #expect(chunk["model"] as? String == "scripted-model")
            let choice = try #require((chunk["choices"] as? [[String: Any]])?.first)
            let delta = try #require(choice["delta"] as? [String: Any])
            if let role = delta["role"] as? String { roles.append(role) }
            text += delta["content"] as? String ?? ""
            if let finish = choice["finish_reason"] as? String { finishReasons.append(finish) }
            if let usage = chunk["usage"] as? [String: Any] { completionTokens = usage["completion_tokens"] as? Int }
        }
        #expect(text == "echo: one two three")
        #expect(roles == ["assistant"])
        #expect(finishReasons == ["stop"])
        #expect(completionTokens == 4)
        let expectedEvents = 7  // role chunk, four pieces, finish chunk, [DONE]
        #expect(events.count == expectedEvents)
    }

    struct BadRequest: Sendable, CustomTestStringConvertible {
        var body: String
        var status: Int
        var param: String?
        var testDescription: String { body }
    }

    @Test("invalid requests get OpenAI-style errors naming the field", arguments: [
        BadRequest(body: "not json", status: 400, param: nil),
        BadRequest(body: #"{"messages":[]}"#, status: 400, param: "messages"),
        BadRequest(body: #"{"messages":[{"role":"robot","content":"x"}]}"#, status: 400, param: "messages[0].role"),
        BadRequest(body: #"{"messages":[{"role":"user"}]}"#, status: 400, param: "messages[0].content"),
        BadRequest(body: #"{"messages":[{"role":"user","content":"x"}],"max_tokens":0}"#, status: 400, param: "max_tokens"),
        BadRequest(body: #"{"messages":[{"role":"user","content":"x"}],"temperature":3.5}"#, status: 400, param: "temperature"),
        BadRequest(body: #"{"messages":[{"role":"user","content":"x"}],"top_p":0}"#, status: 400, param: "top_p"),
        BadRequest(body: #"{"messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#, status: 400, param: "temperature"),
        BadRequest(body: #"{"model":"gpt-4","messages":[{"role":"user","content":"x"}]}"#, status: 404, param: "model"),
    ])
    func validation(_ bad: BadRequest) async throws {
        let server = try await RunningModelServer.start(Self.engine)
        let (status, body) = try await Self.post(bad.body, to: server)
        await server.stop()
        #expect(status == bad.status)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let error = try #require(json["error"] as? [String: Any])
        #expect((error["message"] as? String)?.isEmpty == false)
        #expect(error["param"] as? String == bad.param)
    }

    @Test("bodies over the limit are refused with 413")
    func bodyLimit() async throws {
        let server = try await RunningModelServer.start(Self.engine, maxRequestBytes: 1024)
        let long = String(repeating: "a", count: 4096)
        let (status, body) = try await Self.post(#"{"messages":[{"role":"user","content":"\#(long)"}]}"#, to: server)
        await server.stop()
        #expect(status == 413)
        #expect(body.contains("1024"))
    }

    @Test("an engine failure is a 500 that the target classifies as a retryable server error")
    func engineFailure() async throws {
        let server = try await RunningModelServer.start(ScriptedChatEngine(modelID: "broken", failing: true))
        let target = OpenAICompatibleTarget(name: "local", baseURL: server.baseURL + "/v1", model: "broken")
        do {
            _ = try await target.send(TargetRequest(prompt: "x", maxTokens: 4, temperature: 0, topP: 1, seed: 1, timeoutSeconds: 10))
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .server(status: 500))
        }
        try await target.shutdown()
        await server.stop()
    }
}
