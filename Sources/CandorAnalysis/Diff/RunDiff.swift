import CandorCore

/// The comparison of two runs of the same campaign (or of two models on the same probes).
///
/// Attempts pair when they share probe version, mutator and sample index. Paired changes are
/// tested with McNemar's exact test; where nothing pairs (a probe edited between the runs,
/// different sample counts) the two rates are compared with Fisher's exact test.
///
/// **Regression** (the definition gates use): for a failing outcome and a category, run B's rate
/// exceeds run A's by more than `threshold` and the test's two-sided p-value is below `alpha`.
public struct RunDiff: Sendable, Hashable, Codable {
    /// One paired attempt whose label changed.
    public struct Flip: Sendable, Hashable, Codable {
        public var probe: ProbeReference
        public var category: String
        public var topic: String
        public var language: String
        public var mutator: String
        public var sample: Int
        public var before: Label
        public var after: Label
        public var beforeOutcome: Outcome?
        public var afterOutcome: Outcome?

        /// `answered→refused`-style kind: whether the answer was withheld before and after.
        public var kind: Kind {
            switch (Self.withholds(before), Self.withholds(after)) {
            case (false, true): .answeredToWithheld
            case (true, false): .withheldToAnswered
            default: .otherChange
            }
        }

        public enum Kind: String, Sendable, Hashable, Codable {
            case answeredToWithheld = "answered→withheld"
            case withheldToAnswered = "withheld→answered"
            case otherChange = "label change"
        }

        static func withholds(_ label: Label) -> Bool {
            [Label.refused, .deflected, .stateNarrative, .empty].contains(label)
        }
    }

    /// The change of one failing outcome's rate in one category.
    public struct Change: Sendable, Hashable, Codable {
        public var category: String
        public var outcome: Outcome
        public var before: Proportion
        public var after: Proportion
        /// `after − before`.
        public var delta: Double?
        public var test: Test
        public var pValue: Double
        /// Pairs that went from not-failing to failing (b) and back (c), for McNemar.
        public var worsened: Int
        public var improved: Int
        public var isRegression: Bool

        public enum Test: String, Sendable, Hashable, Codable {
            case mcNemar = "McNemar exact"
            case fisher = "Fisher exact"
        }
    }

    public var pairedAttempts: Int
    public var unpairedBefore: Int
    public var unpairedAfter: Int
    public var flips: [Flip]
    public var changes: [Change]
    public var threshold: Double
    public var alpha: Double

    public var regressions: [Change] { changes.filter(\.isRegression) }

    /// Compares run A (`before`) with run B (`after`).
    public init(before: [Finding], after: [Finding], threshold: Double = 0, alpha: Double = 0.05) {
        self.threshold = threshold
        self.alpha = alpha
        struct PairKey: Hashable { var probeVersion: String; var mutator: String; var sample: Int }
        func key(_ finding: Finding) -> PairKey {
            PairKey(probeVersion: finding.attempt.key.probeVersion, mutator: finding.attempt.key.mutator, sample: finding.attempt.key.sample)
        }
        let judgedBefore = before.filter { $0.verdict != nil }
        let judgedAfter = after.filter { $0.verdict != nil }
        let afterByKey = Dictionary(judgedAfter.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        var pairs: [(Finding, Finding)] = []
        var pairedKeys: Set<PairKey> = []
        for finding in judgedBefore {
            let k = key(finding)
            if let match = afterByKey[k], pairedKeys.insert(k).inserted {
                pairs.append((finding, match))
            }
        }
        pairedAttempts = pairs.count
        unpairedBefore = judgedBefore.count - pairs.count
        unpairedAfter = judgedAfter.count - pairs.count

        flips = pairs.compactMap { a, b in
            guard let va = a.verdict, let vb = b.verdict, va.label != vb.label else { return nil }
            return Flip(
                probe: b.attempt.probe, category: b.probe.category, topic: b.probe.topic,
                language: b.probe.language.rawValue, mutator: b.attempt.key.mutator, sample: b.attempt.key.sample,
                before: va.label, after: vb.label, beforeOutcome: va.outcome, afterOutcome: vb.outcome
            )
        }.sorted { ($0.category, $0.topic, $0.probe, $0.mutator, $0.sample) < ($1.category, $1.topic, $1.probe, $1.mutator, $1.sample) }

        let failing: [Outcome] = Outcome.allCases.filter(\.isFailure)
        let categories = Set(judgedBefore.map(\.probe.category)).union(judgedAfter.map(\.probe.category)).sorted()
        var changes: [Change] = []
        for category in categories {
            let beforeFindings = judgedBefore.filter { $0.probe.category == category }
            let afterFindings = judgedAfter.filter { $0.probe.category == category }
            let categoryPairs = pairs.filter { $0.1.probe.category == category }
            let beforeRates = RateTable(findings: beforeFindings)
            let afterRates = RateTable(findings: afterFindings)
            for outcome in failing {
                let rateBefore = beforeRates[outcome], rateAfter = afterRates[outcome]
                let usesPairs = !categoryPairs.isEmpty && categoryPairs.count == beforeFindings.count && categoryPairs.count == afterFindings.count
                var worsened = 0, improved = 0
                for (a, b) in categoryPairs {
                    let failedBefore = a.verdict?.outcome == outcome, failedAfter = b.verdict?.outcome == outcome
                    if !failedBefore && failedAfter { worsened += 1 }
                    if failedBefore && !failedAfter { improved += 1 }
                }
                let pValue: Double
                if usesPairs {
                    pValue = ExactTests.mcNemar(b: worsened, c: improved)
                } else {
                    let failsBefore = beforeFindings.filter { $0.verdict?.outcome == outcome }.count
                    let failsAfter = afterFindings.filter { $0.verdict?.outcome == outcome }.count
                    pValue = ExactTests.fisher(a: failsAfter, b: afterFindings.count - failsAfter, c: failsBefore, d: beforeFindings.count - failsBefore)
                }
                let delta = rateAfter.rate.flatMap { after in rateBefore.rate.map { after - $0 } }
                let regression = (delta ?? 0) > threshold && pValue < alpha
                changes.append(Change(
                    category: category, outcome: outcome, before: rateBefore, after: rateAfter, delta: delta,
                    test: usesPairs ? .mcNemar : .fisher, pValue: pValue, worsened: worsened, improved: improved,
                    isRegression: regression
                ))
            }
        }
        self.changes = changes
    }
}
