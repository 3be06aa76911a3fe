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
        public init(prompt: String, answer: String, label: Label) {
            self.prompt = prompt
            self.answer = answer
            self.label = label
        }
    }

    public var buckets = 16384
    public var iterations = 150
    public var learningRate: Float = 0.1
    public var l2: Float = 1e-4
    public var threshold = 0.5
    public var overrule: Double? = 0.8

    public init() {}

    /// - Parameters:
    ///   - labels: the model's labels (every example's label must be among them);
    ///   - training: the record kept with the weights (what it was trained on).
    public func train(_ examples: [Example], labels: [Label], training: String) -> AnswerModelWeights {
        precondition(!examples.isEmpty && !labels.isEmpty)
        let features = NGramFeatures(buckets: buckets)
        let vectors = examples.map { features.vector(prompt: $0.prompt, answer: ThinkBlock.split($0.answer).answer) }
        let targets = examples.map { example -> Int in
            guard let index = labels.firstIndex(of: example.label) else { preconditionFailure("label \(example.label) is not among the model's labels") }
            return index
        }
        let width = labels.count
        let count = NGramFeatures.blocks * buckets * width
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
        return AnswerModelWeights(featureSet: NGramFeatures.featureSet, buckets: buckets, labels: labels, weights: weights,
                                  bias: bias, threshold: threshold, overrule: overrule, training: training)
    }
}
