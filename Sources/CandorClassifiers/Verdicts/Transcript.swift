import CandorCore

/// One line of a transcript file as `candor classify` reads it (and the labelled eval splits
/// extend it): the probe's `prompt`, the model's `response` (absent or null for none) and what is
/// known besides. Readers decode their own extra fields (an id, a gold label) from the same line.
public struct Transcript: Decodable, Sendable {
    public var prompt: String
    public var response: String?
    public var reasoning: String?
    /// A BCP-47 tag as written; ``input(language:)`` takes the parsed tag, so each reader decides
    /// what to do with one that does not parse.
    public var language: String?
    public var expect: Expectation?
    public var category: String?

    /// What the verdict engine classifies: the response as the answer (empty when there is none).
    public func input(language: LanguageTag?) -> ClassificationInput {
        ClassificationInput(prompt: prompt, answer: response ?? "", reasoning: reasoning, language: language, expect: expect, category: category)
    }
}

/// A line of a labelled file (the eval splits, training data for `candor train-verdicts`): a
/// transcript with its gold `label`, and its `id` and `origin` (who wrote it) when given.
public struct LabelledTranscript: Decodable, Sendable {
    public var id: String?
    public var label: String
    public var origin: String?
    public var transcript: Transcript

    private enum CodingKeys: String, CodingKey { case id, label, origin }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        label = try container.decode(String.self, forKey: .label)
        origin = try container.decodeIfPresent(String.self, forKey: .origin)
        transcript = try Transcript(from: decoder)
    }
}
