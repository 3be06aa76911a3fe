import CandorCore

/// Exponential backoff with deterministic jitter.
///
/// The jitter comes from a SplitMix64 stream seeded per run, so a replayed schedule makes the
/// same decisions and tests can assert exact delays.
struct Backoff: Sendable, Hashable {
    let base: Double
    let maximum: Double
    let jitter: Double
    private var random: SplitMix64

    init(base: Double, maximum: Double, jitter: Double, seed: UInt64) {
        self.base = base
        self.maximum = maximum
        self.jitter = jitter
        self.random = SplitMix64(seed: seed)
    }

    /// The delay before retry number `retry` (1 for the first retry), in seconds.
    mutating func delay(beforeRetry retry: Int) -> Double {
        let exponential = min(maximum, base * pow2(retry - 1))
        let fraction = random.nextUnitInterval()
        return exponential * (1 - jitter * fraction)
    }

    private func pow2(_ exponent: Int) -> Double {
        exponent >= 62 ? .infinity : Double(UInt64(1) << UInt64(max(0, exponent)))
    }
}
