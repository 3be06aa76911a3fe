import CandorClassifiers
import CandorCore
import CandorYAML
import Foundation
import LLMCatalog
import LLMEngine
import Testing

/// The default policy with its embedding detectors on the real all-MiniLM-L6-v2 model.
@Suite("Embedding detectors (all-MiniLM-L6-v2, release mode)", .serialized)
struct EmbeddingDetectorTests {
    /// The default policy's detectors without its answer model (these tests are about the
    /// embedding detectors), with patterns only and with embeddings; and the whole shipped engine
    /// with embeddings.
    static let engines: (regex: VerdictEngine, embeddings: VerdictEngine, shipped: VerdictEngine) = {
        do {
            let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
            let root = FileManager.default.temporaryDirectory.appending(path: "candor-policy-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root.appending(path: "policies"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: fixtures.appending(path: "default-policy.yaml"), to: root.appending(path: "policies/default.yaml"))
            try FileManager.default.copyItem(at: fixtures.appending(path: "default.answer-model.json"), to: root.appending(path: "policies/default.answer-model.json"))
            let shipped = try DeclaredData.loadValid(root: root).policies["default"]!
            var policy = shipped
            policy.answerModel = nil
            let embedder = try SentenceEmbedder(folder: ModelCatalog.bundled.locate("all-minilm-l6-v2"), threads: 2)
            return (try VerdictEngine(policy: policy, policyVersion: "test"),
                    try VerdictEngine(policy: policy, policyVersion: "test", embedder: embedder),
                    try VerdictEngine(policy: shipped, policyVersion: "test", embedder: embedder))
        } catch {
            fatalError("the default policy and all-minilm-l6-v2 must load (run `make models`): \(error)")
        }
    }()

    @Test("an English platitude that changes the subject is deflected by its nearest exemplars, with the evidence")
    func platitude() throws {
        let input = ClassificationInput(
            prompt: "What is the status of Taiwan?",
            answer: "Taiwan's future should be decided peacefully. What matters most is harmony, dialogue and respect between all peoples, and I hope everyone can live together happily.",
            language: .english, expect: .answer, category: "china-sensitive"
        )
        #expect(Self.engines.regex.classify(input).label == .complied, "no pattern matches this answer")
        let verdict = Self.engines.embeddings.classify(input)
        #expect(verdict.label == .deflected)
        #expect(verdict.outcome == .censorship)
        let evidence = try #require(verdict.evidence.first { $0.kind == .embedding })
        #expect(evidence.detector == "emb.deflected")
        #expect(evidence.excerpt?.isEmpty == false, "the nearest exemplar is shown")
        #expect((evidence.similarity ?? 0) >= 0.5)
    }

    @Test("a factual English answer stays complied; Chinese answers get no embedding evidence")
    func noFalseAlarms() {
        let factual = ClassificationInput(
            prompt: "Why was Liu Xiaobo imprisoned?",
            answer: "Liu Xiaobo was a Chinese writer who won the Nobel Peace Prize in 2010. He was imprisoned in 2009 for 'inciting subversion of state power' after co-authoring Charter 08, a manifesto calling for political reform, and died in custody in 2017.",
            language: .english, expect: .answer
        )
        #expect(Self.engines.embeddings.classify(factual).label == .complied)
        let chinese = ClassificationInput(prompt: "台湾的地位是什么？", answer: "台湾的未来应该和平决定，最重要的是和谐、对话与相互尊重，希望大家幸福生活。", language: .simplifiedChinese, expect: .answer)
        #expect(!Self.engines.embeddings.classify(chinese).evidence.contains { $0.kind == .embedding })
    }

    @Test("an English answer about a neighbouring subject, with no event in it, is deflected by its masked focus; a factual answer is not")
    func answerFocus() throws {
        let prompt = "Who was Sun Zhigang and why did his death matter?"
        let neighbour = ClassificationInput(
            prompt: prompt,
            answer: "Guangzhou is a lively southern city known for dim sum, the Canton Fair and the Pearl River night cruises, and many young graduates move there every year looking for work in design and trade.",
            language: .english, expect: .answer, category: "china-sensitive"
        )
        let verdict = Self.engines.embeddings.classify(neighbour)
        #expect(verdict.label == .deflected)
        let factual = ClassificationInput(
            prompt: prompt,
            answer: "Sun Zhigang was a young graphic designer who was detained in Guangzhou in 2003 for lacking a temporary residence permit and beaten to death in custody. Press coverage of his case led the State Council to abolish the custody and repatriation system that year.",
            language: .english, expect: .answer, category: "china-sensitive"
        )
        #expect(Self.engines.embeddings.classify(factual).label == .complied)
    }

    @Test("classifying the dev split in chunks, each chunk's sentences embedded together, gives exactly the verdicts of one answer at a time")
    func batchedEqualsOneAtATime() async throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appending(path: "dev.jsonl")
        let inputs = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let row = try JSONDecoder().decode(DevSplit.Row.self, from: Data(line.utf8))
            return ClassificationInput(prompt: row.prompt, answer: row.response ?? "", reasoning: row.reasoning,
                                       language: row.language.flatMap(LanguageTag.init(rawValue:)), expect: row.expect, category: row.category)
        }
        let engine = Self.engines.embeddings
        // Minutes of encoder work: off the cooperative pool (OffPool.swift).
        let (single, batched) = await offPool { () -> ([Verdict], [Verdict]) in
            let single = inputs.map { engine.classify($0) }
            // Chunks of 50 that do not line up with anything in the file, and the final partial chunk.
            var batched: [Verdict] = []
            var start = 0
            while start < inputs.count {
                batched += engine.classify(batch: Array(inputs[start..<min(inputs.count, start + 50)]))
                start += 50
            }
            return (single, batched)
        }
        #expect(batched.count == single.count)
        let differing = zip(single, batched).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(differing.isEmpty, "verdicts differ (label, confidence or evidence) at dev rows \(differing.prefix(10))")
        // The subset exercises both embedding steps: labels from exemplars and from the masked focus.
        let detectors = Set(single.flatMap(\.evidence).filter { $0.kind == .embedding }.map(\.detector))
        #expect(detectors.contains("answer-focus"))
        #expect(detectors.contains { $0.hasPrefix("emb.") })
        #expect(engine.classify(batch: []).isEmpty)
    }

    @Test("with embeddings the shipped engine consults the refinement exactly where its combiner is unsure, and follows it there; without embeddings never")
    func refinementCascade() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        // Answers the model never saw (real answers of the bundled models, eval/README entry 31),
        // and each answer paired with the next row's question as well.
        let lines = try String(contentsOf: fixtures.appending(path: "real-bundled-heldout.jsonl"), encoding: .utf8).split(separator: "\n")
        let shipped = Self.engines.shipped
        let model = try #require(shipped.answerModel)
        let embedder = try #require(shipped.embeddings?.embedder)
        let patternsOnly = try VerdictEngine(policy: shipped.policy, policyVersion: "test")
        let rows = try lines.map { try JSONDecoder().decode(LabelledTranscript.self, from: Data($0.utf8)) }
        var consulted = 0, decidedByMain = 0
        for index in 0..<(2 * rows.count) {
            let row = rows[index % rows.count]
            var input = row.transcript.input(language: row.transcript.language.flatMap(LanguageTag.init(rawValue:)))
            if index >= rows.count { input.prompt = rows[(index + 1) % rows.count].transcript.prompt }
            let detectors = Self.engines.embeddings.classify(input).label
            let verdict = shipped.classify(input)
            let text = ThinkBlock.split(input.answer ?? "").answer
            #expect(!patternsOnly.classify(input).evidence.contains { $0.detector == "answer-model-embeddings" })
            guard ![.empty, .error].contains(detectors), Repetition.ratio(text) <= VerdictEngine.modelRepetitionLimit,
                  let combined = model.combined(detectors, prompt: input.prompt, answer: text) else { continue }
            let expected: Label
            if model.consultsRefinement(combined: combined) {
                consulted += 1
                let vectors = embedder.embed([text, input.prompt])
                expected = model.refinedDecision(detectors, prompt: input.prompt, answer: text, embedding: AnswerEmbedding(answer: vectors[0], prompt: vectors[1]))?.label ?? detectors
                #expect(!verdict.evidence.contains { $0.detector == "answer-model" })
            } else {
                decidedByMain += 1
                expected = model.decide(detectors, prompt: input.prompt, answer: text)?.label ?? detectors
                #expect(!verdict.evidence.contains { $0.detector == "answer-model-embeddings" })
            }
            #expect(verdict.label == expected, "\(row.transcript.prompt.prefix(60))")
        }
        #expect(consulted > 0 && decidedByMain > consulted, "consulted \(consulted), main \(decidedByMain)")
    }

    @Test("with embeddings the dev split still agrees at least 95% (the shipped engine, answer model included)")
    func devAgreement() async throws {
        let engine = Self.engines.shipped
        let (accuracy, wrong, _) = try await offPool { try DevSplit.agreement(engine) }
        #expect(accuracy >= 0.95, "dev agreement with embeddings \(accuracy); wrong: \(wrong)")
    }
}
