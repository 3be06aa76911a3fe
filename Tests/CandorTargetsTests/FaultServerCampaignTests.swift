import CandorCore
import CandorTargets
import Foundation
import Testing

/// Many concurrent requests against a mix of faults: every one must end, answered or failed
/// with the kind its fault calls for (what the scheduler relies on).
@Suite("Fault server under concurrent load")
struct FaultServerCampaignTests {
    static let faults: [(Fault, TargetError.Kind?)] = [
        (.answer(content: "fine"), nil),
        (.rateLimited(retryAfter: "2"), .rateLimited(retryAfter: 2)),
        (.status(500), .server(status: 500)),
        (.status(503), .server(status: 503)),
        (.status(400), .client(status: 400)),
        (.reset, .connection),
        (.stall(seconds: 6), .timeout),
        (.truncated, .invalidResponse),
        (.invalidJSON, .invalidResponse),
        (.answer(content: "<think>\n\n</think>\n\nno"), nil),
    ]

    static func attempt(_ target: OpenAICompatibleTarget, _ request: TargetRequest) async -> Result<TargetResponse, TargetError> {
        do throws(TargetError) {
            return .success(try await target.send(request))
        } catch {
            return .failure(error)
        }
    }

    @Test("48 concurrent attempts all end with the outcome their fault dictates")
    func campaign() async throws {
        // The fault is chosen from the prompt ("attempt <n>"), so arrival order does not matter.
        let server = try await FaultServer.start(plan: .script { _, request in
            let body = String(decoding: request.body, as: UTF8.self)
            guard let range = body.range(of: #"attempt (\d+)"#, options: .regularExpression),
                let number = Int(body[range].dropFirst("attempt ".count))
            else { return .status(400, message: "no attempt number") }
            return Self.faults[number % Self.faults.count].0
        })
        defer { server.stop() }
        let target = OpenAICompatibleTarget(name: "campaign", baseURL: server.baseURL + "/v1", model: "m")
        let outcomes = await withTaskGroup(of: (Int, Result<TargetResponse, TargetError>).self) { group in
            for number in 0..<48 {
                group.addTask {
                    let request = TargetRequest(
                        prompt: "attempt \(number)", maxTokens: 8, temperature: 0, topP: 1, seed: UInt64(number), timeoutSeconds: 2)
                    return (number, await Self.attempt(target, request))
                }
            }
            var all: [Int: Result<TargetResponse, TargetError>] = [:]
            for await (number, result) in group { all[number] = result }
            return all
        }
        try await target.shutdown()
        #expect(outcomes.count == 48)
        #expect(server.requestCount == 48)
        for (number, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
            let expected = Self.faults[number % Self.faults.count].1
            switch (outcome, expected) {
            case (.success, nil): break
            case (.failure(let error), let kind?): #expect(error.kind == kind, "attempt \(number): \(error)")
            case (.success(let response), let kind?): Issue.record("attempt \(number) answered \(response.text), expected \(kind)")
            case (.failure(let error), nil): Issue.record("attempt \(number) failed: \(error)")
            }
        }
    }
}
