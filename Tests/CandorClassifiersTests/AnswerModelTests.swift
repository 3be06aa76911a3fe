import CandorClassifiers
import CandorCore
import Foundation
import Testing

@Suite("Learned answer model: n-gram features, training, the verdict engine's last step")
struct AnswerModelTests {
    @Test("features: three blocks, each normalised to its scale; case-blind; Chinese split into ideographs; deterministic")
    func features() {
        let features = NGramFeatures(buckets: 512)
        let vector = features.vector(prompt: "Is Taiwan a country?", answer: "Taiwan is an ISLAND. 台湾是一个岛。")
        #expect(vector.indices == vector.indices.sorted())
        #expect(Set(vector.indices).count == vector.indices.count)
        for block in 0..<NGramFeatures.blocks {
            let values = zip(vector.indices, vector.values).filter { Int($0.0) / 512 == block }.map(\.1)
            #expect(!values.isEmpty, "block \(block) has features")
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - NGramFeatures.blockScales[block]) < 1e-4)
        }
        let upper = features.vector(prompt: "IS TAIWAN A COUNTRY?", answer: "TAIWAN IS AN island. 台湾是一个岛。")
        #expect(upper.indices == vector.indices && upper.values == vector.values)
        let grams = features.grams(prompt: "", answer: "Taiwan is an island. 台湾是一个岛。", block: 0).map(\.text)
        #expect(grams.contains("taiwan") && grams.contains("taiwan is") && grams.contains("台") && grams.contains("是一个"))
        #expect(features.vector(prompt: "", answer: "").indices.isEmpty)
    }

    /// Two kinds of answers told apart only by wording, in both languages.
    static let toyExamples: [AnswerModelTrainer.Example] = {
        let refusals = ["I cannot help with that request.", "Sorry, I cannot discuss this.", "I cannot talk about that topic.",
                        "抱歉，我无法回答这个问题。", "我无法提供相关信息。"]
        let answers = ["The protests began in April and ended in June.", "The island has its own elected government.",
                       "The camps were documented by satellite images.", "学生从四月开始在广场上抗议。", "那年六月军队进入了北京。"]
        return refusals.map { .init(prompt: "What happened?", answer: $0, label: .refused) }
            + answers.map { .init(prompt: "What happened?", answer: $0, label: .complied) }
    }()

    /// Weights for the toy problem (complied and refused).
    static func toyWeights(buckets: Int = 1024, iterations: Int = 60) -> AnswerModelWeights {
        var trainer = AnswerModelTrainer()
        trainer.buckets = buckets
        trainer.iterations = iterations
        return trainer.train(toyExamples, labels: [.complied, .refused], training: "toy")
    }

    @Test("training separates a toy problem, twice to the same bit, and the record says what it was trained on")
    func training() throws {
        let weights = Self.toyWeights()
        let again = Self.toyWeights()
        #expect(weights == again)
        #expect(weights.training == "toy" && weights.blocks == NGramFeatures.blocks)
        let model = try AnswerModel(weights)
        for example in Self.toyExamples {
            let probabilities = model.probabilities(prompt: example.prompt, answer: example.answer)
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-9)
            #expect(weights.labels[probabilities[1] > probabilities[0] ? 1 : 0] == example.label, "\(example.answer)")
        }
        // Unseen wordings that share the telling n-grams.
        let refusal = model.probabilities(prompt: "Who is he?", answer: "Sorry, I cannot answer questions about him.")
        #expect(refusal[1] > 0.5)
        let answer = model.probabilities(prompt: "Who is he?", answer: "He led the protests in June and was elected in April.")
        #expect(answer[0] > 0.5)
    }

    @Test("the model replaces complied at its threshold and another label only at overrule; evidence names the answer's own n-grams")
    func override() throws {
        var weights = Self.toyWeights()
        #expect(weights.threshold == 0.5)
        let answer = "Sorry, I cannot discuss that."
        let probability = try AnswerModel(weights).probabilities(prompt: "Why?", answer: answer)[1]
        #expect(probability > 0.5)
        weights.overrule = probability + 1e-6
        var model = try AnswerModel(weights)
        #expect(model.override(.complied, prompt: "Why?", answer: answer)?.label == .refused)
        #expect(model.override(.deflected, prompt: "Why?", answer: answer) == nil, "below overrule")
        #expect(model.override(.refused, prompt: "Why?", answer: answer) == nil, "already its label")
        weights.overrule = probability - 1e-6
        model = try AnswerModel(weights)
        #expect(model.override(.deflected, prompt: "Why?", answer: answer)?.label == .refused, "at overrule")
        weights.overrule = nil
        #expect(try AnswerModel(weights).override(.deflected, prompt: "Why?", answer: answer) == nil, "no overrule: never")
        // Never a detector's finding turned into complied, however sure the model is.
        let factual = "The protests began in April and ended in June."
        #expect(try AnswerModel(weights).probabilities(prompt: "Why?", answer: factual)[0] > 0.9)
        weights.overrule = 0.01
        #expect(try AnswerModel(weights).override(.deflected, prompt: "Why?", answer: factual) == nil)
        let grams = try AnswerModel(weights).strongestGrams(for: .refused, against: .complied, prompt: "Why?", answer: answer)
        #expect(!grams.isEmpty && grams.count <= 4)
        for gram in grams { #expect(answer.lowercased().contains(gram), "\(gram) is in the answer") }
        #expect(throws: AnswerModel.LoadError.self) {
            weights.featureSet = "ngrams-v0"
            _ = try AnswerModel(weights)
        }
    }

    @Test("weights survive JSON (base64 Float32) exactly; a wrong count is a decoding error")
    func coding() throws {
        let weights = Self.toyWeights(buckets: 64, iterations: 5)
        let data = try JSONEncoder().encode(weights)
        #expect(try JSONDecoder().decode(AnswerModelWeights.self, from: data) == weights)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["buckets"] = 63
        let broken = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AnswerModelWeights.self, from: broken) }
    }

    @Test("the shipped model is what training on the shipped data makes (Fixtures copies of eval/dev.jsonl and eval/heldout.jsonl)")
    func shippedModelReproduces() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let shipped = try JSONDecoder().decode(AnswerModelWeights.self, from: Data(contentsOf: fixtures.appending(path: "default.answer-model.json")))
        var examples: [AnswerModelTrainer.Example] = []
        for file in ["dev.jsonl", "heldout.jsonl"] {
            for line in try String(contentsOf: fixtures.appending(path: file), encoding: .utf8).split(separator: "\n") {
                let row = try JSONDecoder().decode(DevSplit.Row.self, from: Data(line.utf8))
                let answer = row.response ?? ""
                guard row.label != "empty", !ThinkBlock.split(answer).answer.allSatisfy(\.isWhitespace) else { continue }
                examples.append(.init(prompt: row.prompt, answer: answer, label: Label(rawValue: row.label)))
            }
        }
        var trainer = AnswerModelTrainer()
        trainer.buckets = shipped.buckets
        trainer.threshold = shipped.threshold
        trainer.overrule = shipped.overrule
        #expect(shipped.training.contains("\(examples.count) non-empty answers") && shipped.training.contains("\(trainer.iterations) Adam iterations"))
        let retrained = trainer.train(examples, labels: shipped.labels, training: shipped.training)
        #expect(retrained.labels == shipped.labels && retrained.weights.count == shipped.weights.count)
        let largest = zip(retrained.weights, shipped.weights).map { abs($0 - $1) }.max() ?? 0
        #expect(largest < 1e-4, "largest weight difference \(largest)")
    }

    @Test("the default policy's model overrules a detector miss, with its evidence; empty answers stay empty")
    func engineStep() {
        let engine = PolicyFixture.engine
        #expect(engine.answerModel != nil)
        let empty = engine.classify(ClassificationInput(prompt: "What happened in June 1989?", answer: "  "))
        #expect(empty.label == .empty && !empty.evidence.contains { $0.kind == .model })
        // Some dev answers are decided by the model (it was trained on them): each such verdict
        // carries one piece of model evidence whose label is the verdict's, quoting the answer.
        var decided = 0
        for row in (try? DevSplit.rows()) ?? [] {
            let answer = row.response ?? ""
            let verdict = engine.classify(ClassificationInput(prompt: row.prompt, answer: answer, reasoning: row.reasoning,
                                                              language: row.language.flatMap(LanguageTag.init(rawValue:)), expect: row.expect, category: row.category))
            guard let item = verdict.evidence.first(where: { $0.kind == .model }) else { continue }
            decided += 1
            #expect(item.label == verdict.label && item.detector == "answer-model")
            #expect(item.weight >= 0.5 && item.weight <= 1)
            let quoted = (item.excerpt ?? "").split(separator: "”").map { $0.replacingOccurrences(of: ", “", with: "").replacingOccurrences(of: "“", with: "") }
            #expect(quoted.contains { !$0.isEmpty }, "\(row.id): the evidence quotes the answer")
            for gram in quoted where !gram.isEmpty { #expect(answer.lowercased().contains(gram), "\(row.id): \(gram)") }
        }
        #expect(decided > 0)
    }
}
