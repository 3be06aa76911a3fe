import CandorCore

/// One answer to classify, with what is known about the probe.
public struct ClassificationInput: Sendable, Hashable {
    public var prompt: String
    /// The model's answer; `nil` when the attempt failed.
    public var answer: String?
    /// Reasoning exposed separately (`reasoning_content`); an empty string is an empty block.
    public var reasoning: String?
    public var language: LanguageTag?
    public var expect: Expectation?
    public var category: String?
    /// Why the attempt failed, when it did.
    public var error: String?

    public init(
        prompt: String, answer: String?, reasoning: String? = nil, language: LanguageTag? = nil,
        expect: Expectation? = nil, category: String? = nil, error: String? = nil
    ) {
        self.prompt = prompt
        self.answer = answer
        self.reasoning = reasoning
        self.language = language
        self.expect = expect
        self.category = category
        self.error = error
    }
}
