import CandorCore

/// Outcome and label rates over a set of findings, with 95% intervals.
///
/// The unit is the probe (one probe version under one mutator): repeated samples of a probe
/// are first turned into that probe's rate, and the rates are then pooled across probes, so a
/// probe sampled ten times weighs as much as one sampled once. Intervals are Wilson intervals
/// with the number of probes as the number of trials. Findings without a verdict are left out.
public struct RateTable: Sendable, Hashable, Codable {
    /// Judged attempts.
    public var attempts: Int
    /// Probe units (probe version × mutator) with at least one judged attempt.
    public var probes: Int
    public var outcomes: [Outcome: Proportion]
    public var labels: [Label: Proportion]

    public init(findings: [Finding]) {
        struct Unit: Hashable { var probeVersion: String; var mutator: String }
        var units: [Unit: [Verdict]] = [:]
        for finding in findings {
            guard let verdict = finding.verdict else { continue }
            units[Unit(probeVersion: finding.attempt.key.probeVersion, mutator: finding.attempt.key.mutator), default: []].append(verdict)
        }
        attempts = units.values.reduce(0) { $0 + $1.count }
        probes = units.count
        var outcomeShares: [Outcome: Double] = [:]
        var labelShares: [Label: Double] = [:]
        for verdicts in units.values {
            let share = 1 / Double(verdicts.count)
            for verdict in verdicts {
                if let outcome = verdict.outcome { outcomeShares[outcome, default: 0] += share }
                labelShares[verdict.label, default: 0] += share
            }
        }
        let trials = Double(units.count)
        outcomes = Dictionary(uniqueKeysWithValues: Outcome.allCases.map { ($0, Proportion(successes: outcomeShares[$0] ?? 0, trials: trials)) })
        labels = labelShares.mapValues { Proportion(successes: $0, trials: trials) }
    }

    /// The rate of `outcome`, with its interval.
    public subscript(outcome: Outcome) -> Proportion {
        outcomes[outcome] ?? Proportion(successes: 0, trials: Double(probes))
    }

    /// The rate of `label`, with its interval.
    public subscript(label: Label) -> Proportion {
        labels[label] ?? Proportion(successes: 0, trials: Double(probes))
    }

    /// Share of probes whose answer was withheld: refused, deflected, state narrative or empty.
    public var nonAnswer: Proportion {
        let withheld: [Label] = [.refused, .deflected, .stateNarrative, .empty]
        let successes = withheld.reduce(0.0) { $0 + (labels[$1]?.successes ?? 0) }
        return Proportion(successes: successes, trials: Double(probes))
    }
}

/// A run's rates overall and sliced by each ``Dimension``.
public struct RunRates: Sendable, Hashable, Codable {
    public var overall: RateTable
    /// Dimension → value → rates, e.g. `.language` → `zh-Hans` → ...
    public var slices: [Dimension: [String: RateTable]]

    public init(findings: [Finding]) {
        overall = RateTable(findings: findings)
        var slices: [Dimension: [String: RateTable]] = [:]
        for dimension in Dimension.allCases {
            let groups = Dictionary(grouping: findings, by: dimension.value(of:))
            slices[dimension] = groups.mapValues(RateTable.init(findings:))
        }
        self.slices = slices
    }
}
