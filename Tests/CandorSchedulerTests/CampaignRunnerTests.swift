import CandorCore
import CandorScheduler
import Foundation
import Synchronization
import Testing

/// Virtual time: sleeping jumps the clock forward instead of waiting.
final class VirtualClock: SchedulerClock {
    private let time = Mutex<Double>(0)
    func now() -> Double { time.withLock { $0 } }
    func sleep(until deadline: Double) async throws {
        try Task.checkCancellation()
        time.withLock { $0 = max($0, deadline) }
        await Task.yield()
    }
}

/// Records what the runner reports, and fails the test on any double recording.
final class MemoryLedger: AttemptLedger {
    struct Record: Sendable { var state: AttemptState; var tries: Int; var error: TargetError?; var verdict: Verdict? }
    let records = Mutex<[AttemptKey: Record]>([:])
    let duplicates = Mutex<[AttemptKey]>([])

    func recordAnswer(_ attempt: PlannedAttempt, response: TargetResponse, latencySeconds: Double, tries: Int, verdict: Verdict?) async throws {
        store(attempt.key, Record(state: .answered, tries: tries, error: nil, verdict: verdict))
    }

    func recordFailure(_ attempt: PlannedAttempt, error: TargetError, tries: Int) async throws {
        store(attempt.key, Record(state: .failed, tries: tries, error: error, verdict: nil))
    }

    private func store(_ key: AttemptKey, _ record: Record) {
        records.withLock { records in
            if records[key] != nil { duplicates.withLock { $0.append(key) } }
            records[key] = record
        }
    }
}

/// A scripted target: each prompt's list of outcomes is played in order, one per try.
final class ScriptedTarget: AuditTarget {
    enum Step: Sendable { case answer(String), fail(TargetError), hang }
    let name = "scripted"
    let script: [String: [Step]]
    let clock: VirtualClock
    let calls = Mutex<[String: Int]>([:])

    init(script: [String: [Step]], clock: VirtualClock) {
        self.script = script
        self.clock = clock
    }

    func identity() async throws(TargetError) -> ModelIdentity {
        ModelIdentity(name: "scripted", source: "test", fingerprint: "0")
    }

    func send(_ request: TargetRequest) async throws(TargetError) -> TargetResponse {
        let index = calls.withLock { calls in
            defer { calls[request.prompt, default: 0] += 1 }
            return calls[request.prompt, default: 0]
        }
        let steps = script[request.prompt] ?? [.answer("ok")]
        switch steps[min(index, steps.count - 1)] {
        case .answer(let text):
            try? await clock.sleep(until: clock.now() + 0.05)
            return TargetResponse(text: text, requestParameters: "{}")
        case .fail(let error):
            throw error
        case .hang:
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {}
            throw TargetError(.cancelled, "cancelled")
        }
    }
}

struct FixedJudge: AnswerJudge {
    func verdict(for attempt: PlannedAttempt, response: TargetResponse) async -> Verdict? {
        Verdict(label: response.text.contains("sorry") ? .refused : .complied, confidence: 1, evidence: [], policyID: "p", policyVersion: "v")
    }
}

func plannedAttempts(_ count: Int, runID: Int64 = 1) -> [PlannedAttempt] {
    (0..<count).map { index in
        let probe = Probe(id: "p\(index)", text: "prompt \(index)", language: .english, topic: "t", category: "c", expect: .answer)
        return PlannedAttempt(
            key: AttemptKey(runID: runID, probeVersion: "v\(index)", mutator: "identity", sample: 0),
            probe: ProbeReference(pack: "pack", probe: probe.id), probeDetails: probe, mutator: "identity",
            request: TargetRequest(prompt: probe.text, maxTokens: 16, temperature: 0, topP: 1, seed: 0, timeoutSeconds: 5)
        )
    }
}

@Suite("Campaign runner")
struct CampaignRunnerTests {
    @Test("every attempt ends answered or failed exactly once, retries included")
    func completesEveryAttempt() async throws {
        let clock = VirtualClock()
        let script: [String: [ScriptedTarget.Step]] = [
            "prompt 1": [.fail(TargetError(.server(status: 500), "boom")), .answer("recovered")],
            "prompt 2": [.fail(TargetError(.rateLimited(retryAfter: 3), "slow")), .answer("after wait")],
            "prompt 3": [.fail(TargetError(.client(status: 400), "bad"))],
            "prompt 4": [.fail(TargetError(.timeout, "t"))],
            "prompt 5": [.answer("I'm sorry, I can't.")],
        ]
        let target = ScriptedTarget(script: script, clock: clock)
        let ledger = MemoryLedger()
        let updates = Mutex<Int>(0)
        let runner = CampaignRunner(
            target: target, ledger: ledger, judge: FixedJudge(),
            policy: SchedulerPolicy(concurrency: 4, ratePerSecond: 50, burst: 4, maxRetries: 2, baseBackoff: 0.5, jitter: 0.3),
            clock: clock, jitterSeed: 9, onProgress: { _ in updates.withLock { $0 += 1 } }
        )
        let attempts = plannedAttempts(40)
        let summary = try await runner.run(attempts)

        #expect(summary == .init(answered: 38, failed: 2, unsent: 0, cancelled: false))
        let records = ledger.records.withLock { $0 }
        #expect(records.count == 40)
        #expect(ledger.duplicates.withLock { $0 }.isEmpty)
        let key = { (index: Int) in attempts[index].key }
        #expect(records[key(1)]?.state == .answered && records[key(1)]?.tries == 2)
        #expect(records[key(2)]?.state == .answered && records[key(2)]?.tries == 2)
        #expect(records[key(3)]?.state == .failed && records[key(3)]?.tries == 1)
        #expect(records[key(3)]?.error?.kind == .client(status: 400))
        #expect(records[key(4)]?.state == .failed && records[key(4)]?.tries == 3)
        #expect(records[key(5)]?.verdict?.label == .refused)
        #expect(records[key(0)]?.verdict?.label == .complied)
        // The 429 asked for 3 s: virtual time must have moved at least that far.
        #expect(clock.now() >= 3)
        #expect(updates.withLock { $0 } > 0)
    }

    @Test("cancelling the run leaves unrecorded attempts pending and records nothing twice")
    func cancellation() async throws {
        let clock = VirtualClock()
        var script: [String: [ScriptedTarget.Step]] = [:]
        for index in 10..<30 { script["prompt \(index)"] = [.hang] }
        let target = ScriptedTarget(script: script, clock: clock)
        let ledger = MemoryLedger()
        let runner = CampaignRunner(target: target, ledger: ledger, judge: nil, policy: SchedulerPolicy(concurrency: 5), clock: clock)
        let attempts = plannedAttempts(30)
        let task = Task { try await runner.run(attempts) }
        // Wait (bounded) until the hanging attempts are all that is left in flight.
        for _ in 0..<2000 where ledger.records.withLock({ $0.count }) < 10 {
            try await Task.sleep(for: .milliseconds(1))
        }
        task.cancel()
        let summary = try await task.value
        #expect(summary.cancelled)
        #expect(summary.answered == 10)
        #expect(summary.failed == 0)
        #expect(summary.unsent == 20)
        #expect(ledger.records.withLock { $0.count } == 10)
        #expect(ledger.duplicates.withLock { $0 }.isEmpty)
    }
}
