import Foundation

/// Chooses the next token from logits: repetition penalty, then greedy or temperature sampling
/// through top-k, top-p and min-p filters, from a seeded generator so runs are reproducible.
struct Sampler {
    let parameters: SamplingParameters
    private var random: SeededRandom

    init(parameters: SamplingParameters) {
        self.parameters = parameters
        random = SeededRandom(seed: parameters.seed)
    }

    /// The chosen token and the log-softmax of the (penalised) logits.
    mutating func sample(_ logits: [Float], history: [Int32]) -> (Int32, [Float]) {
        var adjusted = logits
        if parameters.repetitionPenalty != 1 {
            for id in Set(history) where Int(id) < adjusted.count {
                let value = adjusted[Int(id)]
                adjusted[Int(id)] = value > 0 ? value / parameters.repetitionPenalty : value * parameters.repetitionPenalty
            }
        }
        let logSoftmax = Self.logSoftmax(adjusted)
        if parameters.temperature <= 0 {
            return (Int32(Self.argmax(adjusted)), logSoftmax)
        }
        var candidates = adjusted.indices.map { ($0, adjusted[$0] / parameters.temperature) }
        candidates.sort { $0.1 > $1.1 }
        if parameters.topK > 0, candidates.count > parameters.topK { candidates.removeLast(candidates.count - parameters.topK) }
        let maximum = candidates[0].1
        var probabilities = candidates.map { expf($0.1 - maximum) }
        let total = probabilities.reduce(0, +)
        probabilities = probabilities.map { $0 / total }
        var keep = probabilities.count
        if parameters.minP > 0 {
            let threshold = parameters.minP * probabilities[0]
            keep = min(keep, max(1, probabilities.firstIndex { $0 < threshold } ?? keep))
        }
        if parameters.topP < 1 {
            var cumulative: Float = 0
            for (index, p) in probabilities.prefix(keep).enumerated() {
                cumulative += p
                if cumulative >= parameters.topP {
                    keep = index + 1
                    break
                }
            }
        }
        let kept = probabilities.prefix(keep)
        let mass = kept.reduce(0, +)
        var draw = Float(random.nextUnit()) * mass
        for (index, p) in kept.enumerated() {
            draw -= p
            if draw <= 0 { return (Int32(candidates[index].0), logSoftmax) }
        }
        return (Int32(candidates[keep - 1].0), logSoftmax)
    }

    static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in 1..<values.count where values[i] > values[best] { best = i }
        return best
    }

    static func logSoftmax(_ values: [Float]) -> [Float] {
        let maximum = values.max() ?? 0
        let sum = values.reduce(Float(0)) { $0 + expf($1 - maximum) }
        let offset = maximum + logf(sum)
        return values.map { $0 - offset }
    }
}

/// SplitMix64, seeded per generation.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
