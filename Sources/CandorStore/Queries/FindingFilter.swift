import CandorCore

/// Which findings to read. Every non-nil field filters; text search matches the prompt, answer
/// or reasoning (a substring, case-insensitive for ASCII). Values are always bound parameters.
public struct FindingFilter: Sendable, Hashable {
    public var runID: Int64?
    public var category: String?
    public var topic: String?
    public var language: String?
    public var label: String?
    public var outcome: String?
    public var probeVersion: String?
    public var text: String?
    public var limit: Int
    public var offset: Int

    public init(
        runID: Int64? = nil, category: String? = nil, topic: String? = nil, language: String? = nil, label: String? = nil,
        outcome: String? = nil, probeVersion: String? = nil, text: String? = nil, limit: Int = 100_000, offset: Int = 0
    ) {
        self.runID = runID
        self.category = category
        self.topic = topic
        self.language = language
        self.label = label
        self.outcome = outcome
        self.probeVersion = probeVersion
        self.text = text
        self.limit = limit
        self.offset = offset
    }
}
