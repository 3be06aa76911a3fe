import CandorClassifiers
import CandorCore
import CandorScheduler
import CandorStore

/// The store as the scheduler's ledger: every answer (with its verdict) and every final failure
/// is one committed write.
public struct StoreLedger: AttemptLedger {
    public let store: CandorStore

    public init(store: CandorStore) { self.store = store }

    public func recordAnswer(_ attempt: PlannedAttempt, response: TargetResponse, latencySeconds: Double, tries: Int, verdict: Verdict?) async throws {
        try store.recordAnswer(
            attempt.key, answer: response.text, reasoning: response.reasoning, promptTokens: response.promptTokens,
            completionTokens: response.completionTokens, latencySeconds: latencySeconds, tries: tries,
            reportedModel: response.reportedModel, requestParameters: response.requestParameters, verdict: verdict
        )
    }

    public func recordFailure(_ attempt: PlannedAttempt, error: TargetError, tries: Int) async throws {
        try store.recordFailure(attempt.key, error: error.description, tries: tries)
    }
}

/// The verdict engine as the scheduler's judge: answers are classified as they arrive.
public struct VerdictJudge: AnswerJudge {
    public let engine: VerdictEngine

    public init(engine: VerdictEngine) { self.engine = engine }

    public func verdict(for attempt: PlannedAttempt, response: TargetResponse) async -> Verdict? {
        engine.classify(ClassificationInput(
            prompt: attempt.request.prompt, answer: response.text, reasoning: response.reasoning,
            language: attempt.probeDetails.language, expect: attempt.probeDetails.expect, category: attempt.probeDetails.category
        ))
    }
}
