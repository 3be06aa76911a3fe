import CandorCore
import CandorTargets
import Foundation
import Testing

@Suite("API keys stay secret")
struct APIKeyTests {
    static let secret = "sk-candor-test-0123456789abcdef"

    @Test("the key is sent as a bearer token and appears in no error or recorded parameters")
    func neverLeaks() async throws {
        let variable = "CANDOR_TEST_KEY_\(UInt32.random(in: 0...UInt32.max))"
        setenv(variable, Self.secret, 1)
        defer { unsetenv(variable) }
        // The server echoes the key back in its error text, as some providers do.
        let server = try await FaultServer.start(plan: .script { index, request in
            switch index {
            case 0: .answer(content: "fine")
            case 1: .status(401, message: "invalid key \(request.headers["authorization"] ?? "")")
            case 2: .rateLimited(retryAfter: "1")
            default: .status(500, message: "upstream rejected \(request.headers["authorization"] ?? "")")
            }
        })
        defer { server.stop() }
        let target = OpenAICompatibleTarget(
            name: "t", baseURL: server.baseURL + "/v1", model: "m", apiKeyEnvironmentVariable: variable)
        let request = TargetRequest(prompt: "hi", maxTokens: 8, temperature: 0, topP: 1, seed: 1, timeoutSeconds: 30)

        let response = try await target.send(request)
        #expect(!response.requestParameters.contains(Self.secret))
        #expect(!"\(response)".contains(Self.secret))
        for _ in 1...3 {
            do {
                _ = try await target.send(request)
                Issue.record("expected a failure")
            } catch {
                #expect(!error.message.contains(Self.secret))
                #expect(!error.description.contains(Self.secret))
                #expect(!"\(error)".contains(Self.secret))
            }
        }
        #expect(!"\(target)".contains(Self.secret))
        #expect(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(Self.secret)" })
        #expect(server.requests.allSatisfy { !String(decoding: $0.body, as: UTF8.self).contains(Self.secret) })
        try await target.shutdown()
    }

    @Test("a named but unset variable makes the target unavailable, naming the variable")
    func unset() async throws {
        let variable = "CANDOR_TEST_UNSET_\(UInt32.random(in: 0...UInt32.max))"
        let target = OpenAICompatibleTarget(name: "t", baseURL: "http://127.0.0.1:9/v1", model: "m", apiKeyEnvironmentVariable: variable)
        do {
            _ = try await target.send(TargetRequest(prompt: "hi", maxTokens: 8, temperature: 0, topP: 1, seed: 1, timeoutSeconds: 30))
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .unavailable)
            #expect(!error.isRetryable)
            #expect(error.message.contains(variable))
        }
        try await target.shutdown()
    }
}
