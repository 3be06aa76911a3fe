import CandorAnalysis
import Testing

/// Reference values were computed independently with SciPy 1.17 (`fisher_exact`, `binomtest`)
/// and a direct transcription of Wilson's formula.
@Suite("Statistics")
struct StatisticsTests {
    @Test("Wilson intervals match hand-computed values, including 0/n and n/n", arguments: [
        (0, 10, 0.0, 0.2775327998628892),
        (10, 10, 0.7224672001371107, 1.0),
        (3, 10, 0.10779126740630099, 0.6032218525388546),
        (1, 1, 0.20654931437723745, 1.0),
    ])
    func wilson(successes: Int, trials: Int, lower: Double, upper: Double) {
        let p = Proportion(successes: successes, trials: trials)
        #expect(abs(p.lower - lower) < 1e-12)
        #expect(abs(p.upper - upper) < 1e-12)
        #expect(p.rate == Double(successes) / Double(trials))
    }

    @Test("no trials: no rate and the whole [0, 1] interval")
    func noTrials() {
        let p = Proportion(successes: 0, trials: 0)
        #expect(p.rate == nil && p.lower == 0 && p.upper == 1)
    }

    @Test("McNemar exact p-values", arguments: [
        (1, 8, 0.0390625), (0, 5, 0.0625), (3, 3, 1.0), (0, 0, 1.0), (5, 0, 0.0625),
    ])
    func mcNemar(b: Int, c: Int, expected: Double) {
        #expect(abs(ExactTests.mcNemar(b: b, c: c) - expected) < 1e-12)
    }

    @Test("Fisher exact two-sided p-values", arguments: [
        ([3, 1, 1, 3], 0.48571428571428565),
        ([10, 0, 0, 10], 1.082508822446903e-05),
        ([0, 5, 0, 5], 1.0),
        ([7, 12, 2, 15], 0.12790979876630598),
    ])
    func fisher(table: [Int], expected: Double) {
        let p = ExactTests.fisher(a: table[0], b: table[1], c: table[2], d: table[3])
        #expect(abs(p - expected) < 1e-9 * max(1, expected), "got \(p)")
    }

    @Test("Newcombe difference interval brackets the difference and flags significance")
    func difference() {
        let strong = ProportionDifference(Proportion(successes: 9, trials: 10), minus: Proportion(successes: 1, trials: 10))
        #expect(abs(strong.difference! - 0.8) < 1e-12)
        #expect(strong.lower > 0 && strong.lower < 0.8 && strong.upper > 0.8 && strong.upper <= 1)
        #expect(strong.isSignificant)
        let none = ProportionDifference(Proportion(successes: 2, trials: 10), minus: Proportion(successes: 2, trials: 10))
        #expect(none.difference == 0 && none.lower < 0 && none.upper > 0 && !none.isSignificant)
        // Newcombe (1998), table II example: 56/70 vs 48/80 gives (0.0524, 0.3339).
        let newcombe = ProportionDifference(Proportion(successes: 56, trials: 70), minus: Proportion(successes: 48, trials: 80))
        #expect(abs(newcombe.lower - 0.0524) < 5e-4 && abs(newcombe.upper - 0.3339) < 5e-4)
    }
}
