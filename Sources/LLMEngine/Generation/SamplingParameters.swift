/// How tokens are chosen.
public struct SamplingParameters: Sendable, Hashable {
    /// 0 means greedy (argmax).
    public var temperature: Float
    /// Keep only the `topK` most likely tokens (0 = all).
    public var topK: Int
    /// Keep the smallest set whose probabilities sum to `topP`.
    public var topP: Float
    /// Drop tokens less likely than `minP` × the most likely one.
    public var minP: Float
    /// Divide positive logits (multiply negative ones) of already generated tokens by this.
    public var repetitionPenalty: Float
    public var seed: UInt64
    public var maxTokens: Int
    /// Stop when the decoded text contains one of these (the stop string is not returned).
    public var stopStrings: [String]
    /// How many top alternatives to report per token with their log-probabilities (0 = none).
    public var logprobs: Int

    public init(
        temperature: Float = 0, topK: Int = 0, topP: Float = 1, minP: Float = 0, repetitionPenalty: Float = 1,
        seed: UInt64 = 0, maxTokens: Int = 256, stopStrings: [String] = [], logprobs: Int = 0
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
        self.maxTokens = maxTokens
        self.stopStrings = stopStrings
        self.logprobs = logprobs
    }

    public static let greedy = SamplingParameters()
}

/// One generated token with its log-probability and the top alternatives.
public struct GeneratedToken: Sendable, Hashable {
    public var id: Int32
    public var logprob: Float
    public var alternatives: [Alternative]
    /// The text this token completed (characters split across tokens appear with the last one).
    public var text: String

    public struct Alternative: Sendable, Hashable {
        public var id: Int32
        public var logprob: Float
    }
}

/// A finished generation.
public struct GenerationResult: Sendable, Hashable {
    public enum FinishReason: String, Sendable, Hashable {
        case endOfTurn = "stop", length, stopString = "stop_string", cancelled
    }

    public var tokens: [GeneratedToken]
    public var text: String
    public var finishReason: FinishReason
    public var promptTokens: Int
}
