/// A proportion with its Wilson score interval.
///
/// Wilson's interval keeps its coverage near 0 and 1, where the normal approximation
/// collapses (0 of 10 refused is not "exactly 0%").
public struct Proportion: Sendable, Hashable, Codable {
    /// Successes; fractional when it is a sum of per-probe rates.
    public var successes: Double
    public var trials: Double
    /// `successes / trials`, or `nil` when there are no trials.
    public var rate: Double? { trials > 0 ? successes / trials : nil }
    /// The 95% Wilson interval; [0, 1] when there are no trials.
    public var lower: Double
    public var upper: Double

    public init(successes: Double, trials: Double, z: Double = Proportion.z95) {
        self.successes = successes
        self.trials = trials
        (lower, upper) = Self.wilson(successes: successes, trials: trials, z: z)
    }

    public init(successes: Int, trials: Int) {
        self.init(successes: Double(successes), trials: Double(trials))
    }

    /// The standard normal quantile for a two-sided 95% interval.
    public static let z95 = 1.959963984540054

    static func wilson(successes: Double, trials: Double, z: Double) -> (Double, Double) {
        guard trials > 0 else { return (0, 1) }
        let p = successes / trials
        let z2 = z * z
        let denominator = 1 + z2 / trials
        let centre = (p + z2 / (2 * trials)) / denominator
        let half = z / denominator * (p * (1 - p) / trials + z2 / (4 * trials * trials)).squareRoot()
        return (max(0, centre - half), min(1, centre + half))
    }
}

/// A difference of two proportions with Newcombe's hybrid score interval (his method 10), built
/// from the two Wilson intervals.
public struct ProportionDifference: Sendable, Hashable, Codable {
    public var first: Proportion
    public var second: Proportion
    /// `first.rate - second.rate`, or `nil` when either has no trials.
    public var difference: Double?
    public var lower: Double
    public var upper: Double

    public init(_ first: Proportion, minus second: Proportion) {
        self.first = first
        self.second = second
        guard let p1 = first.rate, let p2 = second.rate else {
            difference = nil
            lower = -1
            upper = 1
            return
        }
        let d = p1 - p2
        difference = d
        lower = max(-1, d - ((p1 - first.lower) * (p1 - first.lower) + (second.upper - p2) * (second.upper - p2)).squareRoot())
        upper = min(1, d + ((first.upper - p1) * (first.upper - p1) + (p2 - second.lower) * (p2 - second.lower)).squareRoot())
    }

    /// True when the interval excludes zero.
    public var isSignificant: Bool { lower > 0 || upper < 0 }
}
