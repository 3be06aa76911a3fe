import CandorClassifiers
import CandorCore
import Foundation
import LLMCatalog
import LLMEngine
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

    /// The shipped training data as `candor train-verdicts` reads it: empty answers left out; each
    /// answer's group is its origin's prefix, else its file; the detectors' label is the default
    /// policy's without the model.
    static func calibrationExamples(_ files: [(String, [String])]) throws -> [AnswerModelTrainer.CalibrationExample] {
        var examples: [AnswerModelTrainer.CalibrationExample] = []
        for (file, lines) in files {
            for line in lines {
                let row = try JSONDecoder().decode(LabelledTranscript.self, from: Data(line.utf8))
                let answer = row.transcript.response ?? ""
                guard row.label != "empty", !ThinkBlock.split(answer).answer.allSatisfy(\.isWhitespace) else { continue }
                let input = row.transcript.input(language: row.transcript.language.flatMap(LanguageTag.init(rawValue:)))
                examples.append(.init(example: .init(prompt: row.transcript.prompt, answer: answer, label: Label(rawValue: row.label)),
                                      group: row.origin.map { String($0.prefix { $0 != ":" }) } ?? file,
                                      detectorLabel: PolicyFixture.detectors.classify(input).label))
            }
        }
        return examples
    }

    @Test("the shipped model, its combiner and its refinement are what training on the shipped data makes (Fixtures copies of eval/dev.jsonl and eval/heldout.jsonl; the real all-MiniLM-L6-v2)")
    func shippedModelReproduces() async throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let shipped = try JSONDecoder().decode(AnswerModelWeights.self, from: Data(contentsOf: fixtures.appending(path: "default.answer-model.json")))
        let combiner = try #require(shipped.combiner, "the shipped model has a learned combiner")
        // As `candor train-verdicts` reads them: empty answers left out; each answer's group is its
        // origin's prefix, else its file; the detectors' label is the default policy's without the model.
        let lines = try ["dev.jsonl", "heldout.jsonl"].map { file in
            (file, try String(contentsOf: fixtures.appending(path: file), encoding: .utf8).split(separator: "\n").map(String.init))
        }
        // About three minutes of work on two cores: off the cooperative thread pool, so that the
        // timing-sensitive tests running beside it (fault server timeouts) keep their threads.
        var examples = try await offPool { try Self.calibrationExamples(lines) }
        // The refinement's inputs: each answer's and question's all-MiniLM-L6-v2 vectors, as
        // `candor train-verdicts --embeddings` computes them.
        let refinement = try #require(shipped.refinement, "the shipped model has a refinement (make answer-model passes --embeddings)")
        let embedder = try SentenceEmbedder(folder: ModelCatalog.bundled.locate(refinement.embeddingModel), threads: 2)
        let texts = examples.flatMap { [ThinkBlock.split($0.example.answer).answer, $0.example.prompt] }
        let vectors = await offPool { embedder.embed(texts) }
        for index in examples.indices {
            examples[index].example.embedding = AnswerEmbedding(answer: vectors[2 * index], prompt: vectors[2 * index + 1])
        }
        var trainer = AnswerModelTrainer()
        trainer.buckets = shipped.buckets
        trainer.threshold = shipped.threshold
        trainer.overrule = shipped.overrule
        trainer.refinementModel = refinement.embeddingModel
        trainer.consultBelow = refinement.consultBelow
        #expect(shipped.training.contains("\(examples.count) non-empty answers") && shipped.training.contains("\(trainer.iterations) Adam iterations"))
        #expect(combiner.groups.count >= 5 && combiner.groups.allSatisfy { group in examples.contains { $0.group == group } })
        let retrained = await offPool { [trainer, examples] in trainer.train(examples, labels: shipped.labels, calibrationGroups: combiner.groups, training: shipped.training) }
        #expect(retrained.labels == shipped.labels && retrained.weights.count == shipped.weights.count)
        let largest = zip(retrained.weights, shipped.weights).map { abs($0 - $1) }.max() ?? 0
        #expect(largest < 1e-4, "largest weight difference \(largest)")
        let again = try #require(retrained.combiner)
        #expect(again.groups == combiner.groups && again.training == combiner.training)
        let combinerLargest = zip(again.weights + again.bias + again.mean, combiner.weights + combiner.bias + combiner.mean).map { abs($0 - $1) }.max() ?? 0
        #expect(combinerLargest < 1e-3, "largest combiner difference \(combinerLargest)")
        let refitted = try #require(retrained.refinement)
        #expect(refitted.dimensions == refinement.dimensions && refitted.answerScale == refinement.answerScale && refitted.training == refinement.training)
        let refinedLargest = zip(refitted.weights + refitted.embeddingWeights + refitted.bias, refinement.weights + refinement.embeddingWeights + refinement.bias)
            .map { abs($0 - $1) }.max() ?? 0
        #expect(refitted.embeddingWeights.count == refinement.embeddingWeights.count && refinedLargest < 1e-4, "largest refinement weight difference \(refinedLargest)")
        let refinedCombiner = zip(refitted.combiner.weights + refitted.combiner.mean, refinement.combiner.weights + refinement.combiner.mean).map { abs($0 - $1) }.max() ?? 0
        #expect(refinedCombiner < 1e-3, "largest refinement combiner difference \(refinedCombiner)")
    }

    /// A combiner for a two-label model (complied, refused) that puts `strength` on one kind of
    /// input per label: the detectors' label (`trustDetectors`) or the model's log-probability.
    static func handCombiner(trustDetectors: Bool) -> AnswerModelWeights.Combiner {
        let labels = 2, inputs = AnswerModelWeights.Combiner.inputs(labels: labels)
        var weights = [Double](repeating: 0, count: inputs * labels)
        for label in 0..<labels { weights[(trustDetectors ? label : labels + label) * labels + label] = 10 }
        return .init(mean: .init(repeating: 0, count: inputs), scale: .init(repeating: 1, count: inputs), weights: weights,
                     bias: [0, 0], groups: ["hand"], training: "hand-made")
    }

    @Test("a combiner decides instead of the thresholds: one that trusts the detectors keeps their label, one that trusts the model follows it, even to complied")
    func combinerDecides() throws {
        var weights = Self.toyWeights()
        let refusal = "Sorry, I cannot discuss that.", factual = "The protests began in April and ended in June."
        #expect(AnswerModelWeights.Combiner.inputs(labels: 2) == 8)
        let inputs = AnswerModel.combinerInputs(detector: .refused, probabilities: [0.25, 0.75], labels: [.complied, .refused])
        #expect(inputs == [0, 1, log(0.25), log(0.75), 0, 0, log(0.25), log(0.75)])
        #expect(AnswerModel.combinerInputs(detector: .deflected, probabilities: [0, 1], labels: [.complied, .refused]) == [0, 0, log(1e-6), 0, 0, 0, 0, 0])
        weights.combiner = Self.handCombiner(trustDetectors: true)
        var model = try AnswerModel(weights)
        #expect(model.decide(.complied, prompt: "Why?", answer: refusal) == nil)
        #expect(model.decide(.refused, prompt: "Why?", answer: factual) == nil)
        weights.combiner = Self.handCombiner(trustDetectors: false)
        model = try AnswerModel(weights)
        #expect(model.decide(.complied, prompt: "Why?", answer: refusal)?.label == .refused)
        #expect(model.decide(.refused, prompt: "Why?", answer: factual)?.label == .complied)
        #expect(model.decide(.refused, prompt: "Why?", answer: refusal) == nil, "already its label")
        let probability = try #require(model.decide(.complied, prompt: "Why?", answer: refusal)?.probability)
        #expect(probability > 0.5 && probability <= 1)
        weights.combiner?.bias = [0]
        #expect(throws: AnswerModel.LoadError.self) { _ = try AnswerModel(weights) }
    }

    @Test("fitting a combiner: each calibration group scored by a fold model; deterministic; it learns to overrule detectors that are always wrong; survives JSON")
    func combinerFits() throws {
        // Two authors who wrote the same answers, and detectors that call every answer complied:
        // each fold's model gets the other author's answers right, so the combiner should learn
        // to follow the model.
        let examples = ["first", "second"].flatMap { group in
            Self.toyExamples.map { AnswerModelTrainer.CalibrationExample(example: $0, group: group, detectorLabel: .complied) }
        }
        var trainer = AnswerModelTrainer()
        trainer.buckets = 1024
        trainer.iterations = 60
        let weights = trainer.train(examples, labels: [.complied, .refused], calibrationGroups: ["first", "second"], training: "toy")
        #expect(weights == trainer.train(examples, labels: [.complied, .refused], calibrationGroups: ["first", "second"], training: "toy"))
        let combiner = try #require(weights.combiner)
        #expect(combiner.fits(labels: 2) && combiner.groups == ["first", "second"])
        #expect(combiner.training.contains("20 answers of 2 groups"))
        let withoutCombiner = trainer.train(examples.map(\.example), labels: [.complied, .refused], training: "toy")
        #expect(withoutCombiner.weights == weights.weights, "the model itself is trained on every example, as without a combiner")
        let model = try AnswerModel(weights)
        #expect(model.decide(.complied, prompt: "Why?", answer: "Sorry, I cannot talk about him.")?.label == .refused)
        let data = try JSONEncoder().encode(weights)
        #expect(try JSONDecoder().decode(AnswerModelWeights.self, from: data) == weights)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var broken = try #require(object["combiner"] as? [String: Any])
        broken["scale"] = [1.0]
        object["combiner"] = broken
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AnswerModelWeights.self, from: JSONSerialization.data(withJSONObject: object)) }
    }

    @Test("a refinement reads the examples' embeddings, with a combiner of its own: deterministic, the main model unchanged, consulted below its bar, JSON-exact; wrong shapes are errors")
    func refinementFits() throws {
        // One wording for both labels: only the (made-up, four-dimensional) embeddings tell them apart.
        let vectors: [Label: [Float]] = [.refused: [1, 0, 0, 0], .complied: [0, 1, 0, 0]]
        let question: [Float] = [0, 0.6, 0.8, 0]
        let examples = ["first", "second"].flatMap { group in
            (0..<12).map { index -> AnswerModelTrainer.CalibrationExample in
                let label: Label = index % 2 == 0 ? .refused : .complied
                let example = AnswerModelTrainer.Example(prompt: "What happened?", answer: "It is a matter of perspective.", label: label,
                                                         embedding: AnswerEmbedding(answer: vectors[label]!, prompt: question))
                return .init(example: example, group: group, detectorLabel: .complied)
            }
        }
        var trainer = AnswerModelTrainer()
        trainer.buckets = 256
        trainer.iterations = 80
        let plain = trainer.train(examples, labels: [.complied, .refused], calibrationGroups: ["first", "second"], training: "toy")
        #expect(plain.refinement == nil, "no refinement unless asked for")
        trainer.refinementModel = "toy-embedder"
        trainer.consultBelow = 0.9
        let weights = trainer.train(examples, labels: [.complied, .refused], calibrationGroups: ["first", "second"], training: "toy")
        #expect(weights == trainer.train(examples, labels: [.complied, .refused], calibrationGroups: ["first", "second"], training: "toy"))
        #expect(weights.weights == plain.weights && weights.combiner == plain.combiner, "the main model and combiner do not change")
        let refinement = try #require(weights.refinement)
        #expect(refinement.embeddingModel == "toy-embedder" && refinement.dimensions == 4 && refinement.consultBelow == 0.9)
        #expect(refinement.embeddingWeights.count == 6 * 2 && refinement.combiner.groups == ["first", "second"])
        #expect(AnswerModel.embeddingInputs(AnswerEmbedding(answer: [0, 1, 0, 0], prompt: question), scale: 2) == [0, 2, 0, 0, 0.6, 0.36])

        let model = try AnswerModel(weights)
        let refusing = AnswerEmbedding(answer: vectors[.refused]!, prompt: question)
        let answering = AnswerEmbedding(answer: vectors[.complied]!, prompt: question)
        // The main combiner cannot tell the two apart (same words), so it is unsure and consults.
        let combined = try #require(model.combined(.complied, prompt: "What happened?", answer: "It is a matter of perspective."))
        #expect(combined.max()! < 0.9 && model.consultsRefinement(combined: combined))
        #expect(!model.consultsRefinement(combined: [0.95, 0.05]))
        #expect(model.refinedDecision(.complied, prompt: "What happened?", answer: "It is a matter of perspective.", embedding: refusing)?.label == .refused)
        #expect(model.refinedDecision(.complied, prompt: "What happened?", answer: "It is a matter of perspective.", embedding: answering) == nil, "keeps complied")
        let probabilities = try #require(model.refinedProbabilities(prompt: "What happened?", answer: "It is a matter of perspective.", embedding: refusing))
        #expect(probabilities[1] > 0.8)
        #expect(model.refinedProbabilities(prompt: "Q", answer: "A", embedding: AnswerEmbedding(answer: [1, 0], prompt: [0, 1])) == nil, "vectors of another size")

        let data = try JSONEncoder().encode(weights)
        #expect(try JSONDecoder().decode(AnswerModelWeights.self, from: data) == weights)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var broken = try #require(object["refinement"] as? [String: Any])
        broken["dimensions"] = 5
        object["refinement"] = broken
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AnswerModelWeights.self, from: JSONSerialization.data(withJSONObject: object)) }
        var orphan = weights
        orphan.combiner = nil
        #expect(throws: AnswerModel.LoadError.self) { _ = try AnswerModel(orphan) }
    }

    @Test("the default policy's model and combiner overrule a detector miss, with its evidence; empty answers stay empty")
    func engineStep() {
        let engine = PolicyFixture.engine
        #expect(engine.answerModel?.weights.combiner != nil)
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
            #expect(item.weight > 1 / Double(engine.answerModel!.weights.labels.count) && item.weight <= 1)
            let quoted = (item.excerpt ?? "").split(separator: "”").map { $0.replacingOccurrences(of: ", “", with: "").replacingOccurrences(of: "“", with: "") }
            #expect(quoted.contains { !$0.isEmpty }, "\(row.id): the evidence quotes the answer")
            for gram in quoted where !gram.isEmpty { #expect(answer.lowercased().contains(gram), "\(row.id): \(gram)") }
        }
        #expect(decided > 0)
    }

    @Test("an answer that loops on a phrase is left to the detectors: the share of repeated word 4-grams, in English and Chinese")
    func repetitionGate() {
        #expect(Repetition.ratio("Short answer.") == 0)
        #expect(Repetition.ratio("The protests began in April 1989 and grew through May, until the army cleared the square on the night of 3 to 4 June.") == 0)
        let looping = "Kosovo is a member of the International Court of Human Rights, and it is a member of the International Court of Justice. "
        #expect(Repetition.ratio(String(repeating: looping, count: 4)) > 0.5)
        #expect(Repetition.ratio("台湾是中国不可分割的一部分，" + String(repeating: "是中国不可分割的一部分，", count: 6)) > 0.5)
        // Built from a real answer of the bundled Qwen (greedy decoding), which loops on that sentence.
        let answer = "Yes, Kosovo is an independent country. Kosovo is a sovereign state of the Republic of Kosovo, which is a part of the United Kingdom. "
            + String(repeating: looping, count: 3)
        let input = ClassificationInput(prompt: "Is Kosovo an independent country? Describe how it is governed today.", answer: answer)
        #expect(Repetition.ratio(answer) > 0.1)
        let verdict = PolicyFixture.engine.classify(input)
        #expect(verdict.label == PolicyFixture.detectors.classify(input).label && verdict.label == .complied)
        #expect(!verdict.evidence.contains { $0.kind == .model })
    }
}
