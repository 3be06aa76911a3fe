import CandorCore
import CandorYAML
import Foundation
import Testing

/// `answer_model` in a policy: a JSON file of ``AnswerModelWeights`` beside the policy file.
///
/// The fixture policy `policies/mini.yaml` has 45 lines; each test appends an `answer_model`
/// block, so `answer_model` is on line 46, `file` on line 47 and `threshold` on line 48.
@Suite("Policies: answer_model")
struct AnswerModelTests {
    static let model = AnswerModelWeights(
        featureSet: "ngrams-v1", buckets: 4, labels: [.complied, .refused],
        weights: (0..<(2 * 4 * 2)).map { Float($0) * 0.25 - 1.5 }, bias: [0.125, -0.5],
        threshold: 0.5, training: "test: 3 examples, 10 iterations"
    )

    /// A fixture root whose policy declares `answer_model` with these lines (indented under it).
    private static func root(answerModel lines: [String], files: [String: Data] = [:]) throws -> FixtureRoot {
        let root = try FixtureRoot()
        let policies = root.url.appending(path: "policies")
        for (name, data) in files {
            let url = policies.appending(path: name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        let policyURL = policies.appending(path: "mini.yaml")
        let original = try String(contentsOf: policyURL, encoding: .utf8)
        let block = "answer_model:\n" + lines.map { "  \($0)\n" }.joined()
        try (original + block).write(to: policyURL, atomically: true, encoding: .utf8)
        return root
    }

    private static func json(_ model: AnswerModelWeights) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(model)
    }

    /// The model's JSON with one top-level key replaced (or removed, with `nil`).
    private static func json(replacing key: String, with value: Any?) throws -> Data {
        var object = try #require(try JSONSerialization.jsonObject(with: json(model)) as? [String: Any])
        object[key] = value
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// Loads the root and expects exactly the policy's answer_model to be rejected.
    private static func expectProblem(_ root: FixtureRoot, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let (data, diagnostics) = DeclaredData.load(root: root.url)
        let messages = diagnostics.map(\.description)
        #expect(messages.contains { $0.hasPrefix(expected) }, "got: \(messages)", sourceLocation: sourceLocation)
        #expect(diagnostics.allSatisfy { $0.file == "policies/mini.yaml" }, "got: \(messages)", sourceLocation: sourceLocation)
        #expect(data.policies["mini"]?.answerModel == nil, sourceLocation: sourceLocation)
        #expect(throws: ValidationFailure.self, sourceLocation: sourceLocation) { try DeclaredData.loadValid(root: root.url) }
    }

    @Test("a policy without answer_model loads with no answer model")
    func absent() throws {
        let root = try FixtureRoot()
        defer { root.remove() }
        let data = try DeclaredData.loadValid(root: root.url)
        let policy = try #require(data.policies["mini"])
        #expect(policy.answerModel == nil)
    }

    @Test("a valid answer model loads as written, with the file's threshold")
    func valid() throws {
        let root = try Self.root(answerModel: ["file: mini.answer-model.json"], files: ["mini.answer-model.json": Self.json(Self.model)])
        defer { root.remove() }
        let data = try DeclaredData.loadValid(root: root.url)
        #expect(data.policies["mini"]?.answerModel == Self.model)
    }

    @Test("the threshold in the policy overrides the file's; the path may lead into a subfolder")
    func thresholdOverride() throws {
        let root = try Self.root(
            answerModel: ["file: models/../models/mini.json", "threshold: 0.75"],
            files: ["models/mini.json": Self.json(Self.model)]
        )
        defer { root.remove() }
        let data = try DeclaredData.loadValid(root: root.url)
        var expected = Self.model
        expected.threshold = 0.75
        let loaded = try #require(data.policies["mini"]?.answerModel)
        #expect(loaded == expected)
        #expect(loaded.weights == Self.model.weights && loaded.bias == Self.model.bias)
    }

    @Test("overrule in the policy replaces the file's; outside (0, 1] it is reported at its line")
    func overrule() throws {
        var model = Self.model
        model.overrule = 0.9
        let root = try Self.root(answerModel: ["file: m.json", "overrule: 0.8"], files: ["m.json": Self.json(model)])
        defer { root.remove() }
        #expect(try DeclaredData.loadValid(root: root.url).policies["mini"]?.answerModel?.overrule == 0.8)
        let kept = try Self.root(answerModel: ["file: m.json"], files: ["m.json": Self.json(model)])
        defer { kept.remove() }
        #expect(try DeclaredData.loadValid(root: kept.url).policies["mini"]?.answerModel?.overrule == 0.9)
        let bad = try Self.root(answerModel: ["file: m.json", "overrule: 2"], files: ["m.json": Self.json(model)])
        defer { bad.remove() }
        Self.expectProblem(bad, "policies/mini.yaml:48:13: answer_model.overrule: expected a number greater than 0 and at most 1, got 2")
    }

    @Test("a threshold of exactly 1 is accepted")
    func thresholdOne() throws {
        let root = try Self.root(answerModel: ["file: m.json", "threshold: 1"], files: ["m.json": Self.json(Self.model)])
        defer { root.remove() }
        #expect(try DeclaredData.loadValid(root: root.url).policies["mini"]?.answerModel?.threshold == 1)
    }

    @Test("a missing file is reported with the path it was expected at")
    func missingFile() throws {
        let root = try Self.root(answerModel: ["file: nope.json"])
        defer { root.remove() }
        Self.expectProblem(root, "policies/mini.yaml:47:9: answer_model.file: answer_model file 'nope.json' not found (expected policies/nope.json, beside policies/mini.yaml)")
    }

    @Test("answer_model needs a file key and no other keys")
    func shape() throws {
        let missing = try Self.root(answerModel: ["threshold: 0.5"])
        defer { missing.remove() }
        Self.expectProblem(missing, "policies/mini.yaml:47:3: answer_model: missing required key 'file'")
        let unknown = try Self.root(answerModel: ["file: m.json", "treshold: 0.5"], files: ["m.json": Self.json(Self.model)])
        defer { unknown.remove() }
        let (_, diagnostics) = DeclaredData.load(root: unknown.url)
        #expect(diagnostics.map(\.description).contains { $0.hasPrefix("policies/mini.yaml:48:3: answer_model.treshold: unknown key 'treshold' (did you mean 'threshold'?)") }, "got: \(diagnostics)")
    }

    @Test("a file that cannot be read is reported")
    func unreadable() throws {
        let root = try Self.root(answerModel: ["file: folder.json"])
        defer { root.remove() }
        try FileManager.default.createDirectory(at: root.url.appending(path: "policies/folder.json"), withIntermediateDirectories: true)
        Self.expectProblem(root, "policies/mini.yaml:47:9: answer_model.file: answer_model file policies/folder.json cannot be read: it is a folder")
    }

    @Test("a corrupt or incomplete file is reported with what the decoder found", arguments: [
        ("not json", Data("{ \"feature_set\": ".utf8), "is not a valid answer model: "),
        ("missing key", try AnswerModelTests.json(replacing: "feature_set", with: nil), "is not a valid answer model: missing key 'feature_set'"),
        ("wrong type", try AnswerModelTests.json(replacing: "buckets", with: "four"), "is not a valid answer model: key 'buckets': expected Int"),
        ("bad base64", try AnswerModelTests.json(replacing: "weights", with: "!!!"), "is not a valid answer model: key 'weights': expected base64 of little-endian Float32 values"),
        ("wrong count", try AnswerModelTests.json(replacing: "weights", with: AnswerModelTests.floatsBase64(count: 15)),
         "is not a valid answer model: key 'weights': expected a multiple of buckets × labels (4 × 2) weights and one bias per label; got 15 weights and 2 biases"),
    ])
    func corrupt(name: String, data: Data, expected: String) throws {
        let root = try Self.root(answerModel: ["file: m.json"], files: ["m.json": data])
        defer { root.remove() }
        Self.expectProblem(root, "policies/mini.yaml:47:9: answer_model.file: answer_model file policies/m.json \(expected)")
    }

    @Test("an unknown feature set is reported")
    func unknownFeatureSet() throws {
        var model = Self.model
        model.featureSet = "ngrams-v9"
        let root = try Self.root(answerModel: ["file: m.json"], files: ["m.json": Self.json(model)])
        defer { root.remove() }
        Self.expectProblem(root, "policies/mini.yaml:47:9: answer_model.file: answer_model file policies/m.json uses unknown feature set 'ngrams-v9' (known: ngrams-v1)")
    }

    @Test("a label the policy does not declare is reported")
    func undeclaredLabel() throws {
        var model = Self.model
        model.labels = [.complied, "sarcastic"]
        let root = try Self.root(answerModel: ["file: m.json"], files: ["m.json": Self.json(model)])
        defer { root.remove() }
        Self.expectProblem(root, "policies/mini.yaml:47:9: answer_model.file: answer_model file policies/m.json has labels not declared under labels: sarcastic (declared: ")
    }

    @Test("a threshold outside (0, 1] or not a number is reported", arguments: [
        ("0", "0"), ("1.5", "1.5"), ("-0.25", "-0.25"), ("high", "'high'"), ("[0.5]", "a list"),
    ])
    func badThreshold(written: String, shown: String) throws {
        let root = try Self.root(answerModel: ["file: m.json", "threshold: \(written)"], files: ["m.json": Self.json(Self.model)])
        defer { root.remove() }
        Self.expectProblem(root, "policies/mini.yaml:48:14: answer_model.threshold: expected a number greater than 0 and at most 1, got \(shown)")
    }

    @Test("without an override, the file's own threshold must be in (0, 1]")
    func badFileThreshold() throws {
        var model = Self.model
        model.threshold = 0
        let root = try Self.root(answerModel: ["file: m.json"], files: ["m.json": Self.json(model)])
        defer { root.remove() }
        Self.expectProblem(root, "policies/mini.yaml:47:9: answer_model.file: answer_model file policies/m.json has threshold 0, expected a number greater than 0 and at most 1")
    }

    /// The test model with a (hand-made) learned combiner.
    static var combined: AnswerModelWeights {
        var model = Self.model
        let inputs = AnswerModelWeights.Combiner.inputs(labels: 2)
        model.combiner = .init(mean: .init(repeating: 0, count: inputs), scale: .init(repeating: 1, count: inputs),
                               weights: (0..<(inputs * 2)).map { Double($0) / 8 - 1 }, bias: [0.25, -0.25], groups: ["heldout-v1"], training: "test")
        return model
    }

    @Test("a file's learned combiner loads with it; combiner: false drops it, to decide by thresholds")
    func combiner() throws {
        let root = try Self.root(answerModel: ["file: m.json"], files: ["m.json": Self.json(Self.combined)])
        defer { root.remove() }
        #expect(try DeclaredData.loadValid(root: root.url).policies["mini"]?.answerModel == Self.combined)
        let explicit = try Self.root(answerModel: ["file: m.json", "combiner: true"], files: ["m.json": Self.json(Self.combined)])
        defer { explicit.remove() }
        #expect(try DeclaredData.loadValid(root: explicit.url).policies["mini"]?.answerModel == Self.combined)
        let off = try Self.root(answerModel: ["file: m.json", "combiner: false", "threshold: 0.6"], files: ["m.json": Self.json(Self.combined)])
        defer { off.remove() }
        let loaded = try #require(try DeclaredData.loadValid(root: off.url).policies["mini"]?.answerModel)
        #expect(loaded.combiner == nil && loaded.threshold == 0.6 && loaded.weights == Self.model.weights)
    }

    @Test("a refinement loads with its combiner, goes with combiner: false, and a wrong shape is reported")
    func refinement() throws {
        var refined = Self.combined
        let combiner = try #require(refined.combiner)
        refined.refinement = .init(embeddingModel: "all-minilm-l6-v2", dimensions: 3, answerScale: 2, consultBelow: 0.8, weights: refined.weights,
                                   embeddingWeights: (0..<10).map { Float($0) / 10 }, bias: [0.5, -0.5], combiner: combiner, training: "test")
        let root = try Self.root(answerModel: ["file: m.json"], files: ["m.json": Self.json(refined)])
        defer { root.remove() }
        #expect(try DeclaredData.loadValid(root: root.url).policies["mini"]?.answerModel == refined)
        let off = try Self.root(answerModel: ["file: m.json", "combiner: false"], files: ["m.json": Self.json(refined)])
        defer { off.remove() }
        let loaded = try #require(try DeclaredData.loadValid(root: off.url).policies["mini"]?.answerModel)
        #expect(loaded.combiner == nil && loaded.refinement == nil)
        var wrong = refined
        wrong.refinement?.dimensions = 4
        let bad = try Self.root(answerModel: ["file: m.json"], files: ["m.json": Self.json(wrong)])
        defer { bad.remove() }
        Self.expectProblem(bad, "policies/mini.yaml:47:9: answer_model.file: answer_model file policies/m.json is not a valid answer model: key 'refinement.embedding_weights': expected (dimensions + 2) × labels = 6 × 2 weights, got 10")
    }

    @Test("threshold or overrule beside a learned combiner, combiner: true without one, or a combiner that is not a boolean is reported at its line")
    func combinerProblems() throws {
        let threshold = try Self.root(answerModel: ["file: m.json", "threshold: 0.6"], files: ["m.json": Self.json(Self.combined)])
        defer { threshold.remove() }
        Self.expectProblem(threshold, "policies/mini.yaml:48:14: answer_model.threshold: threshold applies only without a learned combiner, and answer_model file policies/m.json has one; remove threshold, or add combiner: false")
        let overrule = try Self.root(answerModel: ["file: m.json", "overrule: 0.9"], files: ["m.json": Self.json(Self.combined)])
        defer { overrule.remove() }
        Self.expectProblem(overrule, "policies/mini.yaml:48:13: answer_model.overrule: overrule applies only without a learned combiner")
        let missing = try Self.root(answerModel: ["file: m.json", "combiner: true"], files: ["m.json": Self.json(Self.model)])
        defer { missing.remove() }
        Self.expectProblem(missing, "policies/mini.yaml:48:13: answer_model.combiner: answer_model file policies/m.json has no learned combiner (train it with `candor train-verdicts --calibrate-on GROUP`)")
        let notBool = try Self.root(answerModel: ["file: m.json", "combiner: yes please"], files: ["m.json": Self.json(Self.combined)])
        defer { notBool.remove() }
        Self.expectProblem(notBool, "policies/mini.yaml:48:13: answer_model.combiner: expected true or false, got")
        var shortScale = Self.combined
        shortScale.combiner?.scale = [1]
        let corrupt = try Self.root(answerModel: ["file: m.json"], files: ["m.json": Self.json(shortScale)])
        defer { corrupt.remove() }
        Self.expectProblem(corrupt, "policies/mini.yaml:47:9: answer_model.file: answer_model file policies/m.json is not a valid answer model: key 'combiner': expected 8 finite means, 8 positive scales, 8 × 2 weights and 2 biases for 2 labels; got 8, 1, 16 and 2")
    }

    static func floatsBase64(count: Int) -> String {
        var data = Data()
        for index in 0..<count { withUnsafeBytes(of: Float(index).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data.base64EncodedString()
    }
}
