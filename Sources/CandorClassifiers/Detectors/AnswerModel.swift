import Foundation
import CandorCore

/// A policy's learned answer model (``AnswerModelWeights``) over ``NGramFeatures``: a
/// multinomial logistic regression giving each label a probability, and the n-grams that
/// weighed most for a label, as evidence.
public struct AnswerModel: Sendable {
    public let weights: AnswerModelWeights
    let features: NGramFeatures

    public enum LoadError: Error, CustomStringConvertible {
        case unknownFeatureSet(String)
        case shape(String)
        public var description: String {
            switch self {
            case .unknownFeatureSet(let name): "answer model: unknown feature set '\(name)' (expected \(NGramFeatures.featureSet))"
            case .shape(let message): "answer model: \(message)"
            }
        }
    }

    public init(_ weights: AnswerModelWeights) throws(LoadError) {
        guard weights.featureSet == NGramFeatures.featureSet else { throw .unknownFeatureSet(weights.featureSet) }
        guard weights.buckets > 0, !weights.labels.isEmpty, weights.bias.count == weights.labels.count,
              weights.weights.count == NGramFeatures.blocks * weights.buckets * weights.labels.count else {
            throw .shape("expected \(NGramFeatures.blocks) × \(weights.buckets) × \(weights.labels.count) weights and \(weights.labels.count) biases, got \(weights.weights.count) and \(weights.bias.count)")
        }
        if let combiner = weights.combiner, !combiner.fits(labels: weights.labels.count) {
            throw .shape("the combiner does not fit \(weights.labels.count) labels (expected \(AnswerModelWeights.Combiner.inputs(labels: weights.labels.count)) inputs)")
        }
        if let refinement = weights.refinement {
            guard weights.combiner != nil, refinement.weights.count == weights.weights.count, refinement.bias.count == weights.labels.count,
                  refinement.embeddingWeights.count == AnswerModelWeights.Refinement.inputs(dimensions: refinement.dimensions) * weights.labels.count,
                  refinement.combiner.fits(labels: weights.labels.count) else {
                throw .shape("the refinement does not fit the model (it needs the main combiner, \(weights.weights.count) n-gram weights and (dimensions + 2) × \(weights.labels.count) embedding weights)")
            }
        }
        self.weights = weights
        self.features = NGramFeatures(buckets: weights.buckets)
    }

    /// The probability of each label, in ``AnswerModelWeights/labels`` order.
    public func probabilities(prompt: String, answer: String) -> [Double] {
        probabilities(features.vector(prompt: prompt, answer: answer))
    }

    func probabilities(_ vector: NGramFeatures.Vector) -> [Double] {
        Self.softmax(Self.logits(vector, table: weights.weights, bias: weights.bias))
    }

    static func logits(_ vector: NGramFeatures.Vector, table weights: [Float], bias: [Float]) -> [Double] {
        let labels = bias.count
        var logits = bias.map(Double.init)
        weights.withUnsafeBufferPointer { table in
            for (index, value) in zip(vector.indices, vector.values) {
                let row = Int(index) * labels
                for label in 0..<labels { logits[label] += Double(value * table[row + label]) }
            }
        }
        return logits
    }

    /// The refinement's inputs (``AnswerModelWeights/Refinement``) for an answer's and a
    /// question's unit vectors: the answer's vector times `scale`, their cosine, its square.
    public static func embeddingInputs(_ embedding: AnswerEmbedding, scale: Float) -> [Float] {
        precondition(embedding.answer.count == embedding.prompt.count)
        var cosine: Float = 0
        for index in embedding.answer.indices { cosine += embedding.answer[index] * embedding.prompt[index] }
        return embedding.answer.map { $0 * scale } + [cosine, cosine * cosine]
    }

    /// The refinement's probability for each label (`nil` without a refinement, or for vectors of
    /// another size than it was trained on).
    public func refinedProbabilities(prompt: String, answer: String, embedding: AnswerEmbedding) -> [Double]? {
        refinedProbabilities(features.vector(prompt: prompt, answer: answer), embedding: embedding)
    }

    func refinedProbabilities(_ vector: NGramFeatures.Vector, embedding: AnswerEmbedding) -> [Double]? {
        guard let refinement = weights.refinement, embedding.answer.count == refinement.dimensions,
              embedding.prompt.count == refinement.dimensions else { return nil }
        var logits = Self.logits(vector, table: refinement.weights, bias: refinement.bias)
        let labels = logits.count
        for (input, value) in Self.embeddingInputs(embedding, scale: refinement.answerScale).enumerated() where value != 0 {
            for label in 0..<labels { logits[label] += Double(value * refinement.embeddingWeights[input * labels + label]) }
        }
        return Self.softmax(logits)
    }

    static func softmax(_ logits: [Double]) -> [Double] {
        let top = logits.max() ?? 0
        let exponentials = logits.map { exp($0 - top) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }

    /// The model's label where it should replace the detectors' `current` one: its most probable
    /// label, when that differs and reaches the threshold (``AnswerModelWeights/threshold`` over
    /// `complied`, ``AnswerModelWeights/overrule`` over any other label). The model never turns a
    /// detector's finding into `complied`: a pattern or rule that fired is evidence the n-grams do
    /// not outweigh (on the dev split, such flips were wrong 40 times out of 43); it finds what the
    /// detectors missed and corrects which kind of non-compliance they saw.
    public func override(_ current: Label, prompt: String, answer: String) -> (label: Label, probability: Double)? {
        override(current, vector: features.vector(prompt: prompt, answer: answer))
    }

    /// ``override(_:prompt:answer:)`` on features already built (the verdict engine builds them
    /// once for the decision and its evidence).
    func override(_ current: Label, vector: NGramFeatures.Vector) -> (label: Label, probability: Double)? {
        let probabilities = probabilities(vector)
        guard let best = probabilities.indices.max(by: { probabilities[$0] < probabilities[$1] }),
              weights.labels[best] != current, weights.labels[best] != .complied else { return nil }
        let bar = current == .complied ? weights.threshold : (weights.overrule ?? .infinity)
        return probabilities[best] >= bar ? (weights.labels[best], probabilities[best]) : nil
    }

    /// The model's final say on an answer the detectors labelled `current`: the label that should
    /// replace theirs with its probability, or `nil` to keep it. With a learned
    /// ``AnswerModelWeights/Combiner`` the combiner decides; without one, ``override(_:vector:)``'s
    /// thresholds do.
    public func decide(_ current: Label, prompt: String, answer: String) -> (label: Label, probability: Double)? {
        decide(current, vector: features.vector(prompt: prompt, answer: answer))
    }

    func decide(_ current: Label, vector: NGramFeatures.Vector) -> (label: Label, probability: Double)? {
        guard let combiner = weights.combiner else { return override(current, vector: vector) }
        return Self.choice(current, combined: Self.combine(combiner, detector: current, probabilities: probabilities(vector), labels: weights.labels), labels: weights.labels)
    }

    /// The main combiner's probabilities for an answer the detectors labelled `current` (`nil`
    /// without a combiner): how sure it is decides whether the refinement is consulted.
    public func combined(_ current: Label, prompt: String, answer: String) -> [Double]? {
        combined(current, vector: features.vector(prompt: prompt, answer: answer))
    }

    func combined(_ current: Label, vector: NGramFeatures.Vector) -> [Double]? {
        weights.combiner.map { Self.combine($0, detector: current, probabilities: probabilities(vector), labels: weights.labels) }
    }

    /// Whether the refinement should be consulted on an answer whose main combined probabilities
    /// are `combined`: it exists and the most probable label has less than its `consultBelow`.
    public func consultsRefinement(combined: [Double]) -> Bool {
        guard let refinement = weights.refinement, let top = combined.max() else { return false }
        return top < refinement.consultBelow
    }

    /// ``decide(_:prompt:answer:)`` by the refinement, which also reads the embeddings (`nil`:
    /// keep `current`, as there).
    public func refinedDecision(_ current: Label, prompt: String, answer: String, embedding: AnswerEmbedding) -> (label: Label, probability: Double)? {
        refinedDecision(current, vector: features.vector(prompt: prompt, answer: answer), embedding: embedding)
    }

    func refinedDecision(_ current: Label, vector: NGramFeatures.Vector, embedding: AnswerEmbedding) -> (label: Label, probability: Double)? {
        guard let refinement = weights.refinement, let probabilities = refinedProbabilities(vector, embedding: embedding) else { return nil }
        return Self.choice(current, combined: Self.combine(refinement.combiner, detector: current, probabilities: probabilities, labels: weights.labels), labels: weights.labels)
    }

    private static func choice(_ current: Label, combined: [Double], labels: [Label]) -> (label: Label, probability: Double)? {
        guard let best = combined.indices.max(by: { combined[$0] < combined[$1] }), labels[best] != current else { return nil }
        return (labels[best], combined[best])
    }

    /// The combiner's inputs (see ``AnswerModelWeights/Combiner``) for the detectors' label and
    /// the model's probabilities over `labels`, before standardisation. A detector label the model
    /// does not know is all zeros.
    public static func combinerInputs(detector: Label, probabilities: [Double], labels: [Label]) -> [Double] {
        let count = labels.count
        let logs = probabilities.map { log(max($0, 1e-6)) }
        var inputs = [Double](repeating: 0, count: AnswerModelWeights.Combiner.inputs(labels: count))
        let slot = labels.firstIndex(of: detector)
        if let slot { inputs[slot] = 1 }
        for label in 0..<count { inputs[count + label] = logs[label] }
        if let slot {
            for label in 0..<count { inputs[2 * count + slot * count + label] = logs[label] }
        }
        return inputs
    }

    /// The combiner's probability for each of `labels`.
    public static func combine(_ combiner: AnswerModelWeights.Combiner, detector: Label, probabilities: [Double], labels: [Label]) -> [Double] {
        softmax(combiner.logits(combiner.standardised(combinerInputs(detector: detector, probabilities: probabilities, labels: labels))))
    }

    /// Up to `limit` words and word pairs of the answer that pushed hardest towards `label` rather
    /// than `other` (distinct texts, strongest first), as the answer spells them: a reviewer's
    /// handle on why the model decided. Character n-grams weigh too but read poorly, so they are
    /// left out of the list.
    public func strongestGrams(for label: Label, against other: Label, prompt: String, answer: String, limit: Int = 4) -> [String] {
        strongestGrams(for: label, against: other, prompt: prompt, answer: answer, vector: features.vector(prompt: prompt, answer: answer), limit: limit)
    }

    /// ``strongestGrams(for:against:prompt:answer:limit:)`` with the pair's features already built.
    func strongestGrams(for label: Label, against other: Label, prompt: String, answer: String, vector: NGramFeatures.Vector, limit: Int = 4, refined: Bool = false) -> [String] {
        guard let target = weights.labels.firstIndex(of: label) else { return [] }
        let rival = weights.labels.firstIndex(of: other)
        let labels = weights.labels.count
        let table = refined ? (weights.refinement?.weights ?? weights.weights) : weights.weights
        var push: [Int: Float] = [:]
        for (index, value) in zip(vector.indices, vector.values) {
            let row = Int(index) * labels
            push[Int(index)] = value * (table[row + target] - (rival.map { table[row + $0] } ?? 0))
        }
        var best: [String: Float] = [:]
        for block in 0..<2 {
            for (index, spelled, isWord) in features.grams(prompt: prompt, answer: answer, block: block) where isWord {
                guard let strength = push[index], strength > 0 else { continue }
                guard spelled.unicodeScalars.count >= 2 || spelled.unicodeScalars.allSatisfy(NGramFeatures.isIdeograph) else { continue }
                // The evidence quotes each gram in “…”; a gram that holds those marks would blur it.
                guard !spelled.contains("“"), !spelled.contains("”") else { continue }
                best[spelled] = max(best[spelled] ?? 0, strength)
            }
        }
        return best.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map(\.key)
    }
}

/// Unit sentence vectors of an answer and of its question (``AnswerModelWeights/Refinement``).
public struct AnswerEmbedding: Sendable {
    public var answer: [Float]
    public var prompt: [Float]
    public init(answer: [Float], prompt: [Float]) {
        self.answer = answer
        self.prompt = prompt
    }
}

extension AnswerModelWeights.Combiner {
    func standardised(_ inputs: [Double]) -> [Double] {
        inputs.indices.map { (inputs[$0] - mean[$0]) / scale[$0] }
    }

    /// One logit per label for standardised inputs.
    func logits(_ standard: [Double]) -> [Double] {
        var logits = bias
        for (input, value) in standard.enumerated() where value != 0 {
            for label in logits.indices { logits[label] += value * weights[input * logits.count + label] }
        }
        return logits
    }
}
