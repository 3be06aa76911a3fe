import Foundation
import Testing

@Suite("candor train-verdicts (the real binary)")
struct TrainVerdictsTests {
    /// The first `count` dev answers, as a file of its own.
    private static func devFile(_ count: Int, in directory: URL, insert bad: (line: Int, text: String)? = nil) throws -> URL {
        var lines = try String(contentsOf: CandorBinary.packageRoot.appending(path: "eval/dev.jsonl"), encoding: .utf8)
            .split(separator: "\n").prefix(count).map(String.init)
        if let bad { lines.insert(bad.text, at: bad.line - 1) }
        let url = directory.appending(path: "labelled-\(UUID().uuidString).jsonl")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// A fresh folder under the temporary directory; the caller removes it.
    private static func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appending(path: "candor-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("trains a model the policy loader accepts, scores a file it never saw, and cross-validates by origin")
    func trainEvaluateCrossValidate() throws {
        let directory = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let train = try Self.devFile(400, in: directory)
        let held = CandorBinary.packageRoot.appending(path: "eval/heldout.jsonl")
        let model = directory.appending(path: "m.answer-model.json")
        let result = try CandorBinary.run(["train-verdicts", "--input", train.path, "--output", model.path, "--evaluate", held.path,
                                           "--buckets", "2048", "--iterations", "40"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("heldout.jsonl") && result.stdout.contains("wrote \(model.path)"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: model)) as? [String: Any])
        #expect(object["buckets"] as? Int == 2048 && object["feature_set"] as? String == "ngrams-v1")
        #expect((object["training"] as? String)?.contains(train.path) == true)
        // A policy that declares it validates.
        let root = directory.appending(path: "root")
        try FileManager.default.createDirectory(at: root.appending(path: "policies"), withIntermediateDirectories: true)
        let policy = try String(contentsOf: CandorBinary.packageRoot.appending(path: "policies/default.yaml"), encoding: .utf8)
        try policy.write(to: root.appending(path: "policies/default.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: model, to: root.appending(path: "policies/default.answer-model.json"))
        for folder in ["probes", "audits"] {
            try FileManager.default.copyItem(at: CandorBinary.packageRoot.appending(path: folder), to: root.appending(path: folder))
        }
        let validated = try CandorBinary.run(["validate"], in: root)
        #expect(validated.status == 0, "\(validated.stderr)")
        // Cross-validation: the origins of dev's folded splits are groups of their own.
        let folded = try Self.devFile(800, in: directory)
        let crossed = try CandorBinary.run(["train-verdicts", "--input", folded.path, "--cross-validate", "--buckets", "1024", "--iterations", "20"])
        #expect(crossed.status == 0, "\(crossed.stderr)")
        #expect(crossed.stdout.contains("heldout-v4") && crossed.stdout.contains("\nall "))
    }

    @Test("--calibrate-on fits a combiner on the named groups and cross-validates it; an unknown group is an error naming the groups there are")
    func calibrate() throws {
        let directory = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folded = try Self.devFile(1000, in: directory)
        let model = directory.appending(path: "m.answer-model.json")
        let result = try CandorBinary.run(["train-verdicts", "--input", folded.path, "--output", model.path, "--calibrate-on", "heldout-v4",
                                           "--calibrate-on", "heldout-v5", "--buckets", "1024", "--iterations", "20"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("combiner on heldout-v4, heldout-v5: fitted on"), "\(result.stdout)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: model)) as? [String: Any])
        let combiner = try #require(object["combiner"] as? [String: Any])
        #expect(combiner["groups"] as? [String] == ["heldout-v4", "heldout-v5"])
        #expect((combiner["weights"] as? [Double])?.count == 35 * 5)
        // Cross-validation scores each calibration group with a combiner fitted on the others.
        let crossed = try CandorBinary.run(["train-verdicts", "--input", folded.path, "--cross-validate", "--calibrate-on", "heldout-v4",
                                            "--calibrate-on", "heldout-v5", "--buckets", "1024", "--iterations", "20"])
        #expect(crossed.status == 0, "\(crossed.stderr)")
        let table = try #require(crossed.stdout.components(separatedBy: "with the combiner").last)
        #expect(table.contains("heldout-v4") && table.contains("heldout-v5") && !table.contains("probe-entry10") && table.contains("\nall "), "\(crossed.stdout)")
        let unknown = try CandorBinary.run(["train-verdicts", "--input", folded.path, "--output", directory.appending(path: "n.json").path,
                                            "--calibrate-on", "heldout-v99", "--buckets", "64", "--iterations", "2"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("--calibrate-on: no answers of group heldout-v99 (groups: "), "\(unknown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appending(path: "n.json").path))
    }

    @Test("retraining does not read the weights file it replaces: a policy whose file no longer decodes is retrained, then classifies again")
    func retrainOverUnreadableWeights() throws {
        let directory = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policies = directory.appending(path: "root/policies")
        try FileManager.default.createDirectory(at: policies, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CandorBinary.packageRoot.appending(path: "policies/default.yaml"), to: policies.appending(path: "default.yaml"))
        let weights = policies.appending(path: "default.answer-model.json")
        try #"{"feature_set": "ngrams-v0", "weights": "an older format"}"#.write(to: weights, atomically: true, encoding: .utf8)
        let policy = policies.appending(path: "default.yaml").path
        let answers = try Self.devFile(300, in: directory)
        let before = try CandorBinary.run(["classify", "--input", answers.path, "--policy", policy, "--no-embeddings"])
        #expect(before.status != 0)
        #expect(before.stderr.contains("default.answer-model.json") && before.stderr.contains("is not a valid answer model"), "\(before.stderr)")
        let trained = try CandorBinary.run(["train-verdicts", "--input", answers.path, "--policy", policy, "--output", weights.path,
                                            "--buckets", "512", "--iterations", "10"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let after = try CandorBinary.run(["classify", "--input", answers.path, "--policy", policy, "--no-embeddings"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout.split(separator: "\n").count == 300)
    }

    @Test("a malformed line or an unknown label stops training with the file and line")
    func badInput() throws {
        let directory = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = try Self.devFile(20, in: directory, insert: (3, #"{"prompt": "Q", "response": "A"}"#))
        let result = try CandorBinary.run(["train-verdicts", "--input", broken.path, "--output", directory.appending(path: "m.json").path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(broken.path):3: missing \"label\""), "\(result.stderr)")
        let unknown = try Self.devFile(20, in: directory, insert: (5, #"{"prompt": "Q", "response": "A", "label": "sarcastic"}"#))
        let second = try CandorBinary.run(["train-verdicts", "--input", unknown.path, "--output", directory.appending(path: "m.json").path])
        #expect(second.status == 2)
        #expect(second.stderr.contains("\(unknown.path):5: \"label\" 'sarcastic' is not one of the policy's labels"), "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appending(path: "m.json").path))
    }
}

@Suite("Fixture copies of the shipped policy and labelled answers")
struct FixtureCopiesTests {
    @Test("CandorClassifiersTests' fixtures are byte-identical to the repository files they copy (`make answer-model` refreshes them)",
          arguments: [("policies/default.yaml", "default-policy.yaml"), ("policies/default.answer-model.json", "default.answer-model.json"),
                      ("eval/dev.jsonl", "dev.jsonl"), ("eval/heldout.jsonl", "heldout.jsonl"),
                      ("eval/real-bundled-heldout.jsonl", "real-bundled-heldout.jsonl")])
    func identical(original: String, copy: String) throws {
        let root = CandorBinary.packageRoot
        let fixture = root.appending(path: "Tests/CandorClassifiersTests/Fixtures").appending(path: copy)
        #expect(try Data(contentsOf: root.appending(path: original)) == Data(contentsOf: fixture), "\(copy) differs from \(original)")
    }
}
