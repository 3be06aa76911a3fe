/// How answers are classified and judged, declared in `policies/<policy>.yaml`.
///
/// A policy declares its labels, the detectors that gather evidence for them, and the rules
/// that turn (probe expectation, label) into an ``Outcome``. Its version is the content hash of
/// the file (computed by the store), so a finding always names the exact policy that judged it.
public struct Policy: Sendable, Hashable, Codable {
    public var id: String
    public var version: String
    public var description: String
    public var labels: [LabelDefinition]
    public var regexDetectors: [RegexDetector]
    public var embeddingDetectors: [EmbeddingDetector]
    public var rules: [OutcomeRule]
    /// Framework references (OWASP LLM Top 10, NIST AI RMF, EU AI Act) that rules point to by id.
    public var frameworks: [FrameworkReference]
    /// The learned answer model consulted where no detector or rule decides (`answer_model`).
    public var answerModel: AnswerModelWeights?

    public init(
        id: String, version: String, description: String, labels: [LabelDefinition],
        regexDetectors: [RegexDetector], embeddingDetectors: [EmbeddingDetector],
        rules: [OutcomeRule], frameworks: [FrameworkReference], answerModel: AnswerModelWeights? = nil
    ) {
        self.id = id
        self.version = version
        self.description = description
        self.labels = labels
        self.regexDetectors = regexDetectors
        self.embeddingDetectors = embeddingDetectors
        self.rules = rules
        self.frameworks = frameworks
        self.answerModel = answerModel
    }

    /// The rule deciding the outcome for an answer with `label` to a probe of `category` that
    /// expected `expectation`: the first matching rule wins; with no matching rule the outcome is
    /// ``Outcome/inconclusive``.
    public func outcome(expect expectation: Expectation, label: Label, category: String? = nil) -> OutcomeRule? {
        rules.first { rule in
            rule.expect == expectation && rule.labels.contains(label)
                && (rule.categories.isEmpty || category.map(rule.categories.contains) == true)
        }
    }
}

/// A label the policy uses, with its meaning for reviewers.
public struct LabelDefinition: Sendable, Hashable, Codable {
    public var label: Label
    public var description: String
    public init(label: Label, description: String) {
        self.label = label
        self.description = description
    }
}

/// A PCRE2 pattern that is evidence for a label.
public struct RegexDetector: Sendable, Hashable, Codable {
    /// Unique within the policy, e.g. `en.refusal.cannot-assist`.
    public var id: String
    public var label: Label
    /// The language of answers this pattern applies to (its primary subtag is compared), or `nil` for any.
    public var language: LanguageTag?
    /// PCRE2 syntax, compiled with UTF and Unicode properties.
    public var pattern: String
    public var caseless: Bool
    /// Where the pattern must match: anywhere, or within the first `n` characters of the answer.
    public var scope: Scope
    /// Which text it reads: the answer or the reasoning.
    public var field: Field
    /// How strongly a match supports the label, in (0, 1].
    public var weight: Double
    /// One line: why this pattern means what it claims.
    public var rationale: String

    public enum Field: String, Sendable, Hashable, Codable, CaseIterable {
        case answer, reasoning
    }

    public enum Scope: Sendable, Hashable, Codable {
        case anywhere
        case opening(characters: Int)
    }

    public init(
        id: String, label: Label, language: LanguageTag?, pattern: String, caseless: Bool = true,
        scope: Scope = .anywhere, field: Field = .answer, weight: Double = 1.0, rationale: String
    ) {
        self.id = id
        self.label = label
        self.language = language
        self.pattern = pattern
        self.caseless = caseless
        self.scope = scope
        self.field = field
        self.weight = weight
        self.rationale = rationale
    }
}

/// Exemplar sentences for a label, scored by sentence-embedding similarity.
public struct EmbeddingDetector: Sendable, Hashable, Codable {
    public var id: String
    public var label: Label
    /// Similarity (cosine, in [-1, 1]) to the nearest exemplars at or above which the detector fires.
    public var threshold: Double
    /// How many nearest exemplars are averaged.
    public var neighbours: Int
    public var exemplars: [Exemplar]

    public struct Exemplar: Sendable, Hashable, Codable {
        public var text: String
        public var language: LanguageTag
        public init(text: String, language: LanguageTag) {
            self.text = text
            self.language = language
        }
    }

    public init(id: String, label: Label, threshold: Double, neighbours: Int, exemplars: [Exemplar]) {
        self.id = id
        self.label = label
        self.threshold = threshold
        self.neighbours = neighbours
        self.exemplars = exemplars
    }
}

/// Turns (expectation, label) into an outcome.
public struct OutcomeRule: Sendable, Hashable, Codable {
    public var expect: Expectation
    public var labels: [Label]
    /// Probe categories the rule is limited to; empty for every category.
    public var categories: [String]
    public var outcome: Outcome
    public var severity: Severity
    /// Ids of ``FrameworkReference``s this outcome maps to in reports.
    public var frameworks: [String]

    public init(expect: Expectation, labels: [Label], categories: [String] = [], outcome: Outcome, severity: Severity, frameworks: [String] = []) {
        self.expect = expect
        self.labels = labels
        self.categories = categories
        self.outcome = outcome
        self.severity = severity
        self.frameworks = frameworks
    }
}

/// A clause of an external framework a failing outcome maps to.
public struct FrameworkReference: Sendable, Hashable, Codable {
    /// Unique within the policy, e.g. `owasp-llm09`.
    public var id: String
    /// The framework's name, e.g. `OWASP Top 10 for LLM Applications 2025`.
    public var framework: String
    /// The clause, e.g. `LLM09:2025 Misinformation`.
    public var clause: String
    public var summary: String

    public init(id: String, framework: String, clause: String, summary: String) {
        self.id = id
        self.framework = framework
        self.clause = clause
        self.summary = summary
    }
}
