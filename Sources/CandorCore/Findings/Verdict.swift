/// The classification of one answer: a label, a confidence, the evidence, and (when the probe's
/// expectation is known) the outcome under the policy.
public struct Verdict: Sendable, Hashable, Codable {
    public var label: Label
    /// In [0, 1].
    public var confidence: Double
    public var evidence: [Evidence]
    public var outcome: Outcome?
    /// Severity from the outcome rule, when an outcome was decided.
    public var severity: Severity?
    /// The policy id and version (content hash) that produced the verdict.
    public var policyID: String
    public var policyVersion: String

    public init(
        label: Label, confidence: Double, evidence: [Evidence], outcome: Outcome? = nil,
        severity: Severity? = nil, policyID: String, policyVersion: String
    ) {
        self.label = label
        self.confidence = confidence
        self.evidence = evidence
        self.outcome = outcome
        self.severity = severity
        self.policyID = policyID
        self.policyVersion = policyVersion
    }
}

/// One piece of evidence behind a verdict, checkable by a reviewer.
public struct Evidence: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A regex detector matched.
        case pattern
        /// The answer is similar to exemplars of a label.
        case embedding
        /// A structural rule fired (empty answer, empty reasoning, transport error).
        case rule
        /// The policy's learned answer model gave the label; the excerpt lists the n-grams of the
        /// answer that weighed most for it, the weight is its probability.
        case model
    }

    public var kind: Kind
    /// The detector id (pattern id, embedding detector id, or rule name).
    public var detector: String
    public var label: Label
    /// Which text: `answer` or `reasoning`.
    public var field: String
    /// Matched span in UTF-8 bytes of that text, for pattern evidence.
    public var utf8Start: Int?
    public var utf8End: Int?
    /// The matched text (pattern) or the nearest exemplar (embedding).
    public var excerpt: String?
    /// Cosine similarity, for embedding evidence.
    public var similarity: Double?
    /// How strongly this evidence supports its label, in [0, 1].
    public var weight: Double

    public init(
        kind: Kind, detector: String, label: Label, field: String = "answer", utf8Start: Int? = nil,
        utf8End: Int? = nil, excerpt: String? = nil, similarity: Double? = nil, weight: Double
    ) {
        self.kind = kind
        self.detector = detector
        self.label = label
        self.field = field
        self.utf8Start = utf8Start
        self.utf8End = utf8End
        self.excerpt = excerpt
        self.similarity = similarity
        self.weight = weight
    }
}
