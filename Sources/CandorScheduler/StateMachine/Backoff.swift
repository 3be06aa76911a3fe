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

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1).
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
