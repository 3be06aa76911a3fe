import CandorAudit
import CandorCore
import CandorStore
import Foundation
import Synchronization
import Testing

/// A whole campaign (plan, SQLite store, scheduler with retries and backoff, verdicts) against
/// the fault-injecting server: every attempt ends answered or failed with its reason, and the
/// store holds each planned attempt exactly once.
@Suite("A campaign against the fault server, through the audit path and a real store")
struct FaultCampaignAuditTests {
    /// What the server does with each try of a prompt, by the prompt's behaviour class.
    enum Behaviour: Int, CaseIterable {
        case answers, rateLimitedOnce, serverErrorsTwice, resetOnce, badRequest, stallsForever

        var faults: [Fault] {
            switch self {
            case .answers: [.answer(content: "It is done like this.")]
            case .rateLimitedOnce: [.rateLimited(retryAfter: "1"), .answer(content: "Sure.")]
            case .serverErrorsTwice: [.status(500), .status(503), .answer(content: "Here you go.")]
            case .resetOnce: [.reset, .truncated, .answer(content: "Fine.")]
            case .badRequest: [.status(400)]
            case .stallsForever: [.stall(seconds: 6)]
            }
        }

        /// (state, tries, error substring) the store must show.
        var expected: (AttemptState, Int, String?) {
            switch self {
            case .answers: (.answered, 1, nil)
            case .rateLimitedOnce: (.answered, 2, nil)
            case .serverErrorsTwice: (.answered, 3, nil)
            case .resetOnce: (.answered, 3, nil)
            case .badRequest: (.failed, 1, "400")
            case .stallsForever: (.failed, 3, "timeout: no answer within 2.0s")
            }
        }

        static func of(_ prompt: String) -> Behaviour {
            Behaviour(rawValue: prompt.unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) & 0xFFFF } % allCases.count)!
        }
    }

    /// Tries seen per prompt, so each prompt walks through its behaviour's faults in order.
    final class TryCounter: Sendable {
        private let tries = Mutex<[String: Int]>([:])
        func next(_ prompt: String) -> Int { tries.withLock { $0[prompt, default: 0] += 1; return $0[prompt]! - 1 } }
    }

    static func prompt(in body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let messages = object["messages"] as? [[String: Any]] else { return nil }
        return messages.last { $0["role"] as? String == "user" }?["content"] as? String
    }

    @Test("24 attempts with retryable and final faults: all stored once, answered or failed with the reason")
    func campaign() async throws {
        let counter = TryCounter()
        let server = try await FaultServer.start(plan: .script { _, request in
            guard request.path.hasSuffix("/chat/completions"), let prompt = Self.prompt(in: request.body) else { return .status(404) }
            let faults = Behaviour.of(prompt).faults
            return faults[min(counter.next(prompt), faults.count - 1)]
        })
        defer { server.stop() }

        let root = FileManager.default.temporaryDirectory.appending(path: "candor-fault-campaign-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let packageRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try FileManager.default.createDirectory(at: root.appending(path: "audits"), withIntermediateDirectories: true)
        for folder in ["probes", "policies"] {
            try FileManager.default.copyItem(at: packageRoot.appending(path: folder), to: root.appending(path: folder))
        }
        try """
            name: faults
            description: A campaign against an endpoint that fails in every way it can.
            targets:
              - name: flaky
                openai: { base_url: "\(server.baseURL)/v1", model: m }
            select: { packs: [harmful], limit_per_pack: 24 }
            decoding: { max_tokens: 16, temperature: 0, seed: 9 }
            concurrency: 8
            timeout: 2
            retries: 2
            policy: default
            """.write(to: root.appending(path: "audits/faults.yaml"), atomically: true, encoding: .utf8)

        let store = try CandorStore(url: root.appending(path: "c.sqlite"))
        let session = try AuditSession.prepare(campaignURL: root.appending(path: "audits/faults.yaml"), store: store, candorVersion: "test")
        let runs = try await session.run(force: false)
        let run = try #require(runs.first)
        #expect(run.status == .completed)

        let findings = try store.findings(run: run.id)
        #expect(findings.count == 24)
        #expect(Set(findings.map(\.attempt.key)).count == 24, "no attempt duplicated")
        var seen = Set<Behaviour>()
        var expectedRequests = 0
        for finding in findings {
            let behaviour = Behaviour.of(finding.attempt.renderedPrompt)
            seen.insert(behaviour)
            let (state, tries, error) = behaviour.expected
            expectedRequests += tries
            #expect(finding.attempt.state == state, "\(behaviour): \(finding.attempt.error ?? "")")
            #expect(finding.attempt.tries == tries, "\(behaviour)")
            if let error {
                #expect(finding.attempt.error?.contains(error) == true, "\(behaviour): \(finding.attempt.error ?? "nil")")
                #expect(finding.verdict == nil)
            } else {
                #expect(finding.attempt.answer?.isEmpty == false)
                #expect(finding.verdict != nil, "an answer is stored with its verdict")
            }
        }
        #expect(seen.count == Behaviour.allCases.count, "the 24 prompts should exercise every behaviour; got \(seen)")
        let chatRequests = server.requests.filter { $0.path.hasSuffix("/chat/completions") }.count
        #expect(chatRequests == expectedRequests, "every try reached the server exactly once")
    }
}
