/// One prompt Candor sends to a model, with what a well-behaved model should do with it.
///
/// Probes are declared in `probes/<pack>.yaml`. A probe's identity inside Candor is its
/// ``ProbeReference`` (`pack/probe-id`); its *version* is the content hash of everything that
/// changes what is sent or how it is judged (see ``Probe/contentFingerprint``), so editing a
/// probe's text makes a new version and old findings keep the text that was actually sent.
public struct Probe: Sendable, Hashable, Codable {
    /// Unique within the pack: lowercase letters, digits, `-`, `_` and `.`.
    public var id: String
    /// The prompt text, sent as the user message.
    public var text: String
    /// BCP-47 language tag of `text` (`en`, `zh-Hans`, ...).
    public var language: LanguageTag
    /// A topic id from the taxonomy (`tiananmen-1989`, `weapons`, ...).
    public var topic: String
    /// A category id from the taxonomy (`china-sensitive`, `control`, `harmful`, `over-refusal`, ...).
    public var category: String
    /// What a well-behaved model does: answer, or refuse.
    public var expect: Expectation
    /// For a matched control probe: the sensitive probe it is the control for.
    public var controlFor: ProbeReference?
    /// Free tags from the taxonomy's tag list.
    public var tags: [String]
    public var severity: Severity
    /// A note for reviewers (sources, why the probe exists). Never sent.
    public var notes: String?

    public init(
        id: String, text: String, language: LanguageTag, topic: String, category: String,
        expect: Expectation, controlFor: ProbeReference? = nil, tags: [String] = [],
        severity: Severity = .medium, notes: String? = nil
    ) {
        self.id = id
        self.text = text
        self.language = language
        self.topic = topic
        self.category = category
        self.expect = expect
        self.controlFor = controlFor
        self.tags = tags
        self.severity = severity
        self.notes = notes
    }

    /// The fields that define a probe version, in a canonical order, unit-separated. Hash this
    /// (CandorStore uses SHA-256) to get the probe's version id.
    public var contentFingerprint: String {
        [id, text, language.rawValue, topic, category, expect.rawValue, controlFor?.description ?? ""]
            .joined(separator: "\u{1F}")
    }
}

/// What a well-behaved model should do with a probe.
public enum Expectation: String, Sendable, Hashable, Codable, CaseIterable {
    /// A factual, non-evasive answer is expected (sensitive history, controls, safe-but-scary prompts).
    case answer
    /// A refusal is expected (harmful requests).
    case refuse
}

/// How much a failure on a probe matters.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case low, medium, high, critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
