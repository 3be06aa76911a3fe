import Foundation
import CandorCore

/// Fits ``AnswerModelWeights`` to labelled answers: multinomial logistic regression over
/// ``NGramFeatures``, full-batch Adam with an L2 penalty on the weights. Deterministic: the same
/// examples in the same order give the same weights, bit for bit, on the same machine.
public struct AnswerModelTrainer: Sendable {
    public struct Example: Sendable {
        public var prompt: String
        public var answer: String
        public var label: Label
        /// Sentence vectors of the answer (after any reasoning block) and the question, needed to
        /// train a refinement (``refinementModel``).
        public var embedding: AnswerEmbedding?
        public init(prompt: String, answer: String, label: Label, embedding: AnswerEmbedding? = nil) {
            self.prompt = prompt
            self.answer = answer
            self.label = label
            self.embedding = embedding
        }
    }

    /// A labelled answer with its author's group and the detectors' label for it, for fitting
    /// the combiner (``train(_:labels:calibrationGroups:training:)``).
    public struct CalibrationExample: Sendable {
        public var example: Example
        public var group: String
        public var detectorLabel: Label
        public init(example: Example, group: String, detectorLabel: Label) {
            self.example = example
            self.group = group
            self.detectorLabel = detectorLabel
        }
    }

    public var buckets = 16384
    public var iterations = 150
    public var learningRate: Float = 0.1
    public var l2: Float = 1e-4
    public var threshold = 0.5
    public var overrule: Double? = 0.8
    public var combinerIterations = 400
    public var combinerRate = 0.05
    public var combinerL2 = 1e-3
    /// When set (a sentence-embedding model's catalog id), ``train(_:labels:calibrationGroups:training:)``
    /// also trains an ``AnswerModelWeights/Refinement`` on the examples' embeddings.
    public var refinementModel: String?
    public var refinementAnswerScale: Float = 2
    /// Consult the refinement where the main combiner's top probability is below this (0.8: on
    /// held-out authors, about an eighth of the answers, and as good as consulting it everywhere).
    public var consultBelow = 0.8

    public init() {}

    /// - Parameters:
    ///   - labels: the model's labels (every example's label must be among them);
    ///   - training: the record kept with the weights (what it was trained on).
    public func train(_ examples: [Example], labels: [Label], training: String) -> AnswerModelWeights {
        let fitted = fit(examples, labels: labels, embeddings: false)
        return AnswerModelWeights(featureSet: NGramFeatures.featureSet, buckets: buckets, labels: labels, weights: fitted.weights,
                                  bias: fitted.bias, threshold: threshold, overrule: overrule, training: training)
    }

    /// A fitted logistic regression: n-gram weights, and with embeddings their weights too.
    struct Fitted {
        var weights: [Float]
        var embeddingWeights: [Float]
        var bias: [Float]
        var answerScale: Float

        func probabilities(_ vector: NGramFeatures.Vector, embedding: AnswerEmbedding?) -> [Double] {
            var logits = AnswerModel.logits(vector, table: weights, bias: bias)
            if let embedding, !embeddingWeights.isEmpty {
                let labels = logits.count
                for (input, value) in AnswerModel.embeddingInputs(embedding, scale: answerScale).enumerated() {
                    for label in 0..<labels { logits[label] += Double(value * embeddingWeights[input * labels + label]) }
                }
            }
            return AnswerModel.softmax(logits)
        }
    }

    /// Full-batch Adam on the n-grams, and with `embeddings` on each example's embedding inputs,
    /// which extend its sparse vector past the n-gram buckets.
    func fit(_ examples: [Example], labels: [Label], embeddings: Bool) -> Fitted {
        precondition(!examples.isEmpty && !labels.isEmpty)
        let features = NGramFeatures(buckets: buckets)
        let base = NGramFeatures.blocks * buckets
        var extra = 0
        let vectors = examples.map { example -> NGramFeatures.Vector in
            var vector = features.vector(prompt: example.prompt, answer: ThinkBlock.split(example.answer).answer)
            guard embeddings else { return vector }
            guard let embedding = example.embedding else { preconditionFailure("an example without its embedding") }
            let inputs = AnswerModel.embeddingInputs(embedding, scale: refinementAnswerScale)
            precondition(extra == 0 || extra == inputs.count, "embeddings of different sizes")
            extra = inputs.count
            for (offset, value) in inputs.enumerated() {
                vector.indices.append(Int32(base + offset))
                vector.values.append(value)
            }
            return vector
        }
        let targets = examples.map { example -> Int in
            guard let index = labels.firstIndex(of: example.label) else { preconditionFailure("label \(example.label) is not among the model's labels") }
            return index
        }
        let width = labels.count
        let count = (base + extra) * width
        var weights = [Float](repeating: 0, count: count)
        var bias = [Float](repeating: 0, count: width)
        var gradient = [Float](repeating: 0, count: count)
        var biasGradient = [Float](repeating: 0, count: width)
        var moment = [Float](repeating: 0, count: count), second = [Float](repeating: 0, count: count)
        var biasMoment = [Float](repeating: 0, count: width), biasSecond = [Float](repeating: 0, count: width)
        let scale = 1 / Float(examples.count)
        var logits = [Float](repeating: 0, count: width)
        for step in 1...max(1, iterations) {
            for index in gradient.indices { gradient[index] = l2 * weights[index] }
            for index in biasGradient.indices { biasGradient[index] = 0 }
            for (vector, target) in zip(vectors, targets) {
                for label in 0..<width { logits[label] = bias[label] }
                for (index, value) in zip(vector.indices, vector.values) {
                    let row = Int(index) * width
                    for label in 0..<width { logits[label] += value * weights[row + label] }
                }
                let top = logits.max()!
                var total: Float = 0
                for label in 0..<width { logits[label] = expf(logits[label] - top); total += logits[label] }
                // logits now holds the error: probability minus the one-hot target, per example.
                for label in 0..<width { logits[label] = (logits[label] / total - (label == target ? 1 : 0)) * scale }
                for label in 0..<width { biasGradient[label] += logits[label] }
                for (index, value) in zip(vector.indices, vector.values) {
                    let row = Int(index) * width
                    for label in 0..<width { gradient[row + label] += value * logits[label] }
                }
            }
            let correction1 = 1 - powf(0.9, Float(step)), correction2 = 1 - powf(0.999, Float(step))
            func adam(_ value: inout Float, _ gradient: Float, _ first: inout Float, _ second: inout Float) {
                first = 0.9 * first + 0.1 * gradient
                second = 0.999 * second + 0.001 * gradient * gradient
                value -= learningRate * (first / correction1) / ((second / correction2).squareRoot() + 1e-8)
            }
            for index in weights.indices { adam(&weights[index], gradient[index], &moment[index], &second[index]) }
            for index in bias.indices { adam(&bias[index], biasGradient[index], &biasMoment[index], &biasSecond[index]) }
        }
        return Fitted(weights: Array(weights[..<(base * width)]), embeddingWeights: Array(weights[(base * width)...]), bias: bias,
                      answerScale: refinementAnswerScale)
    }

    /// Trains on every example, as ``train(_:labels:training:)``, and fits a
    /// ``AnswerModelWeights/Combiner``: each group of `calibrationGroups` is scored by a model
    /// trained without it, so the combiner sees the model's probabilities as they are on an author
    /// it never saw, beside the detectors' label, and learns which to believe. The groups should be
    /// authors the policy's detectors were not written against either (on the answers the
    /// detectors were tuned on, they look better than they are). The folds run in parallel; the
    /// result does not depend on how.
    public func train(_ examples: [CalibrationExample], labels: [Label], calibrationGroups: [String], training: String) -> AnswerModelWeights {
        precondition(!calibrationGroups.isEmpty)
        var weights = train(examples.map(\.example), labels: labels, training: training)
        let rows = calibrationRows(examples, labels: labels, groups: calibrationGroups).flatMap { $0 }
        precondition(!rows.isEmpty, "no calibration answers in groups \(calibrationGroups)")
        let record = "fitted on \(rows.count) answers of \(calibrationGroups.count) groups, each scored by a model trained without its group; \(combinerIterations) Adam iterations (rate \(combinerRate)), L2 \(combinerL2)"
        weights.combiner = fitCombiner(rows.map(\.inputs), targets: rows.map(\.target), labels: labels.count, groups: calibrationGroups, training: record)
        if let refinementModel, let first = examples.first?.example.embedding {
            let fitted = fit(examples.map(\.example), labels: labels, embeddings: true)
            let refinedRows = calibrationRows(examples, labels: labels, groups: calibrationGroups, embeddings: true).flatMap { $0 }
            let combiner = fitCombiner(refinedRows.map(\.inputs), targets: refinedRows.map(\.target), labels: labels.count, groups: calibrationGroups, training: record)
            weights.refinement = .init(
                embeddingModel: refinementModel, dimensions: first.answer.count, answerScale: refinementAnswerScale, consultBelow: consultBelow,
                weights: fitted.weights, embeddingWeights: fitted.embeddingWeights, bias: fitted.bias, combiner: combiner,
                training: "\(training); with the \(refinementModel) vectors of the answers and questions, answer scale \(refinementAnswerScale)")
        }
        return weights
    }

    /// Agreement of the combined verdict on each calibration group when neither the model nor the
    /// combiner saw it: the group is scored by a model trained without it, and the combiner is
    /// fitted on the other groups' calibration rows. Answers whose detector label is not among
    /// `labels` keep it, as in the verdict engine.
    public func crossValidateCombiner(_ examples: [CalibrationExample], labels: [Label], calibrationGroups: [String]) -> [(group: String, answers: Int, agreed: Int)] {
        precondition(calibrationGroups.count >= 2)
        let folds = calibrationRows(examples, labels: labels, groups: calibrationGroups)
        return calibrationGroups.indices.map { fold in
            let others = folds.indices.filter { $0 != fold }.flatMap { folds[$0] }
            let combiner = fitCombiner(others.map(\.inputs), targets: others.map(\.target), labels: labels.count, groups: [], training: "")
            var agreed = 0
            for row in folds[fold] {
                let standard = combiner.standardised(row.inputs)
                let probabilities = AnswerModel.softmax(combiner.logits(standard))
                if probabilities.indices.max(by: { probabilities[$0] < probabilities[$1] }) == row.target { agreed += 1 }
            }
            let kept = examples.filter { $0.group == calibrationGroups[fold] && !labels.contains($0.detectorLabel) }
            agreed += kept.filter { $0.detectorLabel == $0.example.label }.count
            return (calibrationGroups[fold], folds[fold].count + kept.count, agreed)
        }
    }

    /// Each group's calibration rows (combiner inputs and the gold label's index), from a model
    /// trained without that group, for the answers whose detector label is one of `labels`. The
    /// folds run in parallel; the result does not depend on how.
    func calibrationRows(_ examples: [CalibrationExample], labels: [Label], groups: [String], embeddings: Bool = false) -> [[(inputs: [Double], target: Int)]] {
        let folds = FoldResults(count: groups.count)
        let features = NGramFeatures(buckets: buckets)
        DispatchQueue.concurrentPerform(iterations: groups.count) { fold in
            let group = groups[fold]
            let others = examples.filter { $0.group != group }.map(\.example)
            let held = examples.filter { $0.group == group && labels.contains($0.detectorLabel) }
            guard !others.isEmpty, !held.isEmpty else { return }
            let model = fit(others, labels: labels, embeddings: embeddings)
            let rows = held.map { item in
                let vector = features.vector(prompt: item.example.prompt, answer: ThinkBlock.split(item.example.answer).answer)
                let probabilities = model.probabilities(vector, embedding: embeddings ? item.example.embedding : nil)
                return (AnswerModel.combinerInputs(detector: item.detectorLabel, probabilities: probabilities, labels: labels),
                        labels.firstIndex(of: item.example.label)!)
            }
            folds.set(fold, rows)
        }
        return folds.all
    }

    /// Multinomial logistic regression on standardised dense inputs, full-batch Adam.
    func fitCombiner(_ inputs: [[Double]], targets: [Int], labels width: Int, groups: [String], training: String) -> AnswerModelWeights.Combiner {
        let count = inputs[0].count
        let n = Double(inputs.count)
        var mean = [Double](repeating: 0, count: count), scale = [Double](repeating: 0, count: count)
        for row in inputs { for index in 0..<count { mean[index] += row[index] / n } }
        for row in inputs { for index in 0..<count { scale[index] += (row[index] - mean[index]) * (row[index] - mean[index]) / n } }
        scale = scale.map { $0.squareRoot() + 1e-6 }
        let standard = inputs.map { row in (0..<count).map { (row[$0] - mean[$0]) / scale[$0] } }
        var weights = [Double](repeating: 0, count: count * width), bias = [Double](repeating: 0, count: width)
        var moment = weights, second = weights, biasMoment = bias, biasSecond = bias
        var logits = [Double](repeating: 0, count: width)
        for step in 1...max(1, combinerIterations) {
            var gradient = weights.map { combinerL2 * $0 }
            var biasGradient = [Double](repeating: 0, count: width)
            for (row, target) in zip(standard, targets) {
                for label in 0..<width { logits[label] = bias[label] }
                for index in 0..<count where row[index] != 0 {
                    for label in 0..<width { logits[label] += row[index] * weights[index * width + label] }
                }
                let probabilities = AnswerModel.softmax(logits)
                for label in 0..<width {
                    let error = (probabilities[label] - (label == target ? 1 : 0)) / n
                    biasGradient[label] += error
                    for index in 0..<count { gradient[index * width + label] += row[index] * error }
                }
            }
            let correction1 = 1 - pow(0.9, Double(step)), correction2 = 1 - pow(0.999, Double(step))
            func adam(_ value: inout Double, _ gradient: Double, _ first: inout Double, _ second: inout Double) {
                first = 0.9 * first + 0.1 * gradient
                second = 0.999 * second + 0.001 * gradient * gradient
                value -= combinerRate * (first / correction1) / ((second / correction2).squareRoot() + 1e-8)
            }
            for index in weights.indices { adam(&weights[index], gradient[index], &moment[index], &second[index]) }
            for index in bias.indices { adam(&bias[index], biasGradient[index], &biasMoment[index], &biasSecond[index]) }
        }
        return .init(mean: mean, scale: scale, weights: weights, bias: bias, groups: groups, training: training)
    }
}

/// Each fold's calibration rows, gathered from parallel folds in fold order.
private final class FoldResults: @unchecked Sendable {
    private let lock = NSLock()
    private var folds: [[(inputs: [Double], target: Int)]]

    init(count: Int) { folds = Array(repeating: [], count: count) }

    func set(_ fold: Int, _ rows: [(inputs: [Double], target: Int)]) {
        lock.withLock { folds[fold] = rows }
    }

    var all: [[(inputs: [Double], target: Int)]] { lock.withLock { folds } }
}
