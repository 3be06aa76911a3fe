import Foundation

/// Exact tests for comparing two runs.
public enum ExactTests {
    /// McNemar's exact test for paired binary outcomes: `b` pairs went from no to yes, `c` from
    /// yes to no. Two-sided p-value: twice the smaller binomial tail of Bin(b + c, 1/2), capped at 1.
    public static func mcNemar(b: Int, c: Int) -> Double {
        let n = b + c
        guard n > 0 else { return 1 }
        let tail = binomialCDF(min(b, c), n: n)
        return min(1, 2 * tail)
    }

    /// Fisher's exact test for the 2×2 table [[a, b], [c, d]]. Two-sided p-value: the summed
    /// probability of every table with the same margins that is no more likely than the observed one.
    public static func fisher(a: Int, b: Int, c: Int, d: Int) -> Double {
        let row1 = a + b, row2 = c + d, col1 = a + c
        let n = row1 + row2
        guard n > 0 else { return 1 }
        let minA = max(0, col1 - row2), maxA = min(row1, col1)
        let observed = logHypergeometric(a, row1: row1, row2: row2, col1: col1)
        var p = 0.0
        for x in minA...maxA {
            let lp = logHypergeometric(x, row1: row1, row2: row2, col1: col1)
            // Relative tolerance, as R and SciPy use, so ties with the observed table count.
            if lp <= observed + 1e-7 * abs(observed) + 1e-12 {
                p += exp(lp)
            }
        }
        return min(1, p)
    }

    /// P(X ≤ k) for X ~ Bin(n, 1/2).
    static func binomialCDF(_ k: Int, n: Int) -> Double {
        guard k >= 0 else { return 0 }
        guard k < n else { return 1 }
        var total = 0.0
        let logHalfN = Double(n) * log(0.5)
        for i in 0...k {
            total += exp(logChoose(n, i) + logHalfN)
        }
        return min(1, total)
    }

    private static func logHypergeometric(_ a: Int, row1: Int, row2: Int, col1: Int) -> Double {
        logChoose(row1, a) + logChoose(row2, col1 - a) - logChoose(row1 + row2, col1)
    }

    private static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }
}
