import Foundation

/// One request of a run: a probe (at one version), mutated, sampled, sent to one target.
///
/// The key (run, probe version, mutator, sample) is unique, so a resumed run never sends or
/// stores an attempt twice.
public struct Attempt: Sendable, Hashable, Codable {
    public var key: AttemptKey
    public var probe: ProbeReference
    /// The exact user message sent (after the mutator).
    public var renderedPrompt: String
    /// The system prompt sent, if any.
    public var systemPrompt: String?
    public var state: AttemptState
    public var answer: String?
    /// Reasoning the model exposed (`reasoning_content`, `<think>` blocks).
    public var reasoning: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Wall-clock latency of the successful try, in seconds.
    public var latencySeconds: Double?
    /// Why the attempt failed, when it did.
    public var error: String?
    /// How many tries were made.
    public var tries: Int
    /// The model identity the endpoint reported (`model` field of the response), if any.
    public var reportedModel: String?

    public init(
        key: AttemptKey, probe: ProbeReference, renderedPrompt: String, systemPrompt: String? = nil,
        state: AttemptState = .pending, answer: String? = nil, reasoning: String? = nil,
        promptTokens: Int? = nil, completionTokens: Int? = nil, latencySeconds: Double? = nil,
        error: String? = nil, tries: Int = 0, reportedModel: String? = nil
    ) {
        self.key = key
        self.probe = probe
        self.renderedPrompt = renderedPrompt
        self.systemPrompt = systemPrompt
        self.state = state
        self.answer = answer
        self.reasoning = reasoning
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latencySeconds = latencySeconds
        self.error = error
        self.tries = tries
        self.reportedModel = reportedModel
    }
}

/// The identity of an attempt within the store.
public struct AttemptKey: Sendable, Hashable, Codable, Comparable {
    public var runID: Int64
    /// The probe version's content hash.
    public var probeVersion: String
    /// The mutator id (`identity` for the probe as written).
    public var mutator: String
    /// 0-based sample index.
    public var sample: Int

    public init(runID: Int64, probeVersion: String, mutator: String, sample: Int) {
        self.runID = runID
        self.probeVersion = probeVersion
        self.mutator = mutator
        self.sample = sample
    }

    public static func < (lhs: AttemptKey, rhs: AttemptKey) -> Bool {
        (lhs.runID, lhs.probeVersion, lhs.mutator, lhs.sample) < (rhs.runID, rhs.probeVersion, rhs.mutator, rhs.sample)
    }
}

/// Where an attempt is in its life.
public enum AttemptState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Persisted, not yet sent (or sent and lost to a crash: it will be sent again).
    case pending
    /// An answer arrived and was stored.
    case answered
    /// Gave up: a non-retryable error, or retries exhausted. `error` says why.
    case failed
}
