import ArgumentParser
import CandorClassifiers
import CandorCore
import Foundation
import LLMCatalog
import LLMEngine

/// `candor train-verdicts`: fit a policy's learned answer model to labelled answers.
struct TrainVerdictsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-verdicts",
        abstract: "Train the learned answer model a policy consults where its detectors are silent.",
        discussion: """
            Each input line is a labelled answer: a JSON object with "prompt", "response", "label" \
            (one of the model's labels) and optionally "reasoning" and "origin" (who wrote it; \
            "heldout-v5:v5-001" belongs to group heldout-v5). The model is a logistic regression \
            over hashed n-grams of the question and the answer (feature set \(NGramFeatures.featureSet)); \
            training is deterministic. With --calibrate-on, a combiner learns from authors the \
            detectors were not written against how far to trust the detectors' label and the \
            model's probabilities. With --cross-validate, each group (origin, else input file) \
            is scored by a model trained on the other groups, alone and with the policy's \
            detectors and thresholds, which estimates agreement on answers by an author the model \
            never saw; with --calibrate-on too, each calibration group is also scored with a \
            combiner fitted on the other calibration groups. With --embeddings (and \
            --calibrate-on), a refinement is trained too: the same model reading also the \
            all-MiniLM-L6-v2 vectors of each answer and question, with a combiner of its own, \
            which classification consults where the combiner is unsure and embeddings are on.
            """
    )

    @Option(name: .customLong("input"), help: "Labelled JSON Lines file (repeatable).") var inputs: [String]
    @Option(help: "Where to write the model (JSON).") var output: String?
    @Option(help: "The policy whose labels the model uses and whose detectors --cross-validate combines it with.") var policy: String = "default"
    @Option(help: "Hashed feature buckets per text block.") var buckets = 16384
    @Option(help: "Full-batch Adam iterations.") var iterations = 150
    @Option(help: "L2 penalty on the weights.") var l2: Float = 1e-4
    @Option(help: "Probability at which the model's label replaces complied.") var threshold = 0.5
    @Option(help: "Probability at which the model's label replaces any other label of the detectors (1.01: never).") var overrule = 0.8
    @Option(name: .customLong("calibrate-on"), help: ArgumentHelp(
        "A group (origin prefix) to fit the combiner on (repeatable); without any, the thresholds decide.",
        discussion: "Name authors the policy's detectors were not written against: each is scored by a model trained without it, and the combiner learns from those scores and the detectors' labels which to believe.")) var calibrationGroups: [String] = []
    @Flag(name: .customLong("cross-validate"), help: "Leave each group out in turn and report agreement.") var crossValidate = false
    @Flag(help: "Also train the refinement that reads sentence embeddings (needs --calibrate-on and all-minilm-l6-v2 in the model cache).") var embeddings = false
    @Option(name: .customLong("consult-below"), help: "The refinement is consulted where the combiner's top probability is below this.") var consultBelow = 0.8
    @Option(name: .customLong("evaluate"), help: "Labelled JSON Lines file to score the trained model on, never trained on (repeatable).") var evaluations: [String] = []

    struct Row {
        var example: AnswerModelTrainer.Example
        var group: String
        var transcript: Transcript
    }

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one --input file") }
        guard output != nil || crossValidate || !evaluations.isEmpty else { throw ValidationError("give --output, --cross-validate or --evaluate") }
        guard !embeddings || !calibrationGroups.isEmpty else { throw ValidationError("--embeddings needs --calibrate-on: the refinement has a combiner of its own") }
        guard consultBelow > 0, consultBelow <= 1 else { throw ValidationError("--consult-below must be in (0, 1]") }
        guard buckets > 0, iterations > 0, l2 >= 0, threshold > 0, threshold <= 1, overrule > 0 else {
            throw ValidationError("--buckets and --iterations must be positive, --l2 at least 0, --threshold in (0, 1], --overrule above 0")
        }
    }

    func run() throws {
        // The policy's current weights are never used here (each fit starts afresh), and a file of
        // an older format must not stop the retraining that replaces it.
        let (loaded, _) = try ClassifyCommand.loadPolicy(policy, answerModel: false)
        let declared = Set(loaded.labels.map(\.label))
        var rows: [Row] = []
        var record: [String] = []
        for path in inputs {
            let before = rows.count
            rows += try Self.read(path, labels: declared)
            let digest: String
            do { digest = try ModelPuller.sha256(of: URL(filePath: path)) } catch { throw CLIError("\(path): \(error)").exit }
            record.append("\(path) (sha256 \(digest), \(rows.count - before) answers)")
        }
        // Empty answers and failed attempts are decided by rule before any model; they teach it
        // nothing. The model's labels are those of the answers left, in the policy's order.
        rows.removeAll { ThinkBlock.split($0.example.answer).answer.allSatisfy(\.isWhitespace) || $0.example.label == .empty || $0.example.label == .error }
        let present = Set(rows.map(\.example.label))
        let labels = loaded.labels.map(\.label).filter(present.contains)
        guard labels.count >= 2 else { throw CLIError("the inputs need answers of at least two labels besides empty and error").exit }
        if embeddings { try Self.embed(&rows) }
        var trainer = AnswerModelTrainer()
        trainer.refinementModel = embeddings ? Self.embeddingModel : nil
        trainer.consultBelow = consultBelow
        trainer.buckets = buckets
        trainer.iterations = iterations
        trainer.l2 = l2
        trainer.threshold = threshold
        trainer.overrule = overrule <= 1 ? overrule : nil
        let settings = "\(rows.count) non-empty answers; \(NGramFeatures.featureSet), \(buckets) buckets, \(iterations) Adam iterations (rate \(trainer.learningRate)), L2 \(l2)"

        if !calibrationGroups.isEmpty {
            let known = Set(rows.map(\.group))
            let unknown = calibrationGroups.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw CLIError("--calibrate-on: no answers of group \(unknown.joined(separator: ", ")) (groups: \(known.sorted().joined(separator: ", ")))").exit
            }
        }
        if crossValidate {
            try Self.crossValidate(rows, trainer: trainer, labels: labels, policy: loaded)
            if calibrationGroups.count >= 2 {
                let results = trainer.crossValidateCombiner(try Self.calibrationExamples(rows, policy: loaded), labels: labels, calibrationGroups: calibrationGroups)
                print("\nwith the combiner: each group scored by a model and a combiner fitted without it")
                print("group                         answers   detectors + model + combiner")
                for result in results {
                    print("\(result.group.padding(toLength: 28, withPad: " ", startingAt: 0))  \(String(format: "%7d", result.answers))   \(String(format: "%.3f", Double(result.agreed) / Double(max(1, result.answers))))")
                }
                let answers = results.reduce(0) { $0 + $1.answers }, agreed = results.reduce(0) { $0 + $1.agreed }
                print("\("all".padding(toLength: 28, withPad: " ", startingAt: 0))  \(String(format: "%7d", answers))   \(String(format: "%.3f", Double(agreed) / Double(max(1, answers))))")
            }
        }
        if output != nil || !evaluations.isEmpty {
            let training = "trained on " + record.joined(separator: "; ") + "; " + settings
            let weights: AnswerModelWeights
            if calibrationGroups.isEmpty {
                weights = trainer.train(rows.map(\.example), labels: labels, training: training)
            } else {
                weights = trainer.train(try Self.calibrationExamples(rows, policy: loaded), labels: labels, calibrationGroups: calibrationGroups, training: training)
            }
            if !evaluations.isEmpty { print("group                         answers   model alone   detectors   detectors + model") }
            for path in evaluations {
                let held = try Self.read(path, labels: declared)
                let counts = try Self.score(held, weights: weights, policy: loaded)
                print(Self.line(URL(filePath: path).lastPathComponent, answers: held.count, counts))
            }
            guard let output else { return }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            do {
                try encoder.encode(weights).write(to: URL(filePath: output), options: .atomic)
            } catch {
                throw CLIError("cannot write \(output): \(error)", code: .unavailable).exit
            }
            print("wrote \(output): \(labels.count) labels × \(NGramFeatures.blocks) blocks × \(buckets) buckets, trained on \(settings)")
            if let combiner = weights.combiner { print("combiner on \(combiner.groups.joined(separator: ", ")): \(combiner.training)") }
            if let refinement = weights.refinement { print("refinement with \(refinement.embeddingModel) vectors (\(refinement.dimensions) dimensions), consulted below \(refinement.consultBelow)") }
        }
    }

    static let embeddingModel = "all-minilm-l6-v2"

    /// Gives every row the sentence vectors of its answer (after any reasoning block, as the
    /// verdict engine embeds it) and of its question.
    static func embed(_ rows: inout [Row]) throws {
        let embedder: SentenceEmbedder
        do {
            embedder = try SentenceEmbedder(folder: ModelCatalog.bundled.locate(embeddingModel))
        } catch {
            throw CLIError("--embeddings: \(error); run `candor models pull \(embeddingModel)`", code: .unavailable).exit
        }
        let texts = rows.flatMap { [ThinkBlock.split($0.example.answer).answer, $0.example.prompt] }
        let vectors = embedder.embed(texts)
        for index in rows.indices {
            rows[index].example.embedding = AnswerEmbedding(answer: vectors[2 * index], prompt: vectors[2 * index + 1])
        }
    }

    /// Each row with its group and the label the policy's detectors and rules (without its answer
    /// model, patterns only) give it.
    static func calibrationExamples(_ rows: [Row], policy: Policy) throws -> [AnswerModelTrainer.CalibrationExample] {
        var without = policy
        without.answerModel = nil
        let detectors = try VerdictEngine(policy: without, policyVersion: "calibration")
        return rows.map { row in
            let input = row.transcript.input(language: row.transcript.language.flatMap(LanguageTag.init(rawValue:)))
            return AnswerModelTrainer.CalibrationExample(example: row.example, group: row.group, detectorLabel: detectors.classify(input).label)
        }
    }

    static func read(_ path: String, labels: Set<Label>) throws -> [Row] {
        var rows: [Row] = []
        for (index, line) in try LineReader(path: path).enumerated() where !line.allSatisfy(\.isWhitespace) {
            let number = index + 1
            let decoded: LabelledTranscript
            do {
                decoded = try JSONDecoder().decode(LabelledTranscript.self, from: Data(line.utf8))
            } catch {
                throw CLIError("\(path):\(number): \(ClassifyCommand.describe(error))").exit
            }
            let label = Label(rawValue: decoded.label)
            guard labels.contains(label) || label == .empty || label == .error else {
                throw CLIError("\(path):\(number): \"label\" '\(decoded.label)' is not one of the policy's labels (\(labels.map(\.rawValue).sorted().joined(separator: ", ")))").exit
            }
            let group = decoded.origin.map { String($0.prefix { $0 != ":" }) } ?? URL(filePath: path).lastPathComponent
            let example = AnswerModelTrainer.Example(prompt: decoded.transcript.prompt, answer: decoded.transcript.response ?? "", label: label)
            rows.append(Row(example: example, group: group, transcript: decoded.transcript))
        }
        return rows
    }

    static func crossValidate(_ rows: [Row], trainer: AnswerModelTrainer, labels: [Label], policy: Policy) throws {
        var groups: [String] = []
        for row in rows where !groups.contains(row.group) { groups.append(row.group) }
        guard groups.count >= 2 else { throw CLIError("--cross-validate needs at least two groups (origins or input files)").exit }
        print("group                         answers   model alone   detectors   detectors + model")
        var totals = (answers: 0, model: 0, detectors: 0, combined: 0)
        for group in groups {
            let held = rows.filter { $0.group == group }
            let weights = trainer.train(rows.filter { $0.group != group }.map(\.example), labels: labels, training: "cross-validation fold without \(group)")
            let counts = try score(held, weights: weights, policy: policy)
            print(line(group, answers: held.count, counts))
            totals = (totals.answers + held.count, totals.model + counts.model, totals.detectors + counts.detectors, totals.combined + counts.combined)
        }
        print(line("all", answers: totals.answers, (totals.model, totals.detectors, totals.combined)))
        print("(the detectors were tuned on these answers, so their columns are optimistic; the model column is not)")
    }

    /// How many of `rows` the model alone (its most probable label; empty answers count as
    /// right, as the rule before it decides them), the detectors alone and both together label
    /// as their gold label.
    static func score(_ rows: [Row], weights: AnswerModelWeights, policy: Policy) throws -> (model: Int, detectors: Int, combined: Int) {
        let model = try AnswerModel(weights)
        var withModel = policy
        withModel.answerModel = weights
        var without = policy
        without.answerModel = nil
        let combined = try VerdictEngine(policy: withModel, policyVersion: "evaluation")
        let detectors = try VerdictEngine(policy: without, policyVersion: "evaluation")
        var counts = (model: 0, detectors: 0, combined: 0)
        for row in rows {
            let answer = ThinkBlock.split(row.example.answer).answer
            if answer.allSatisfy(\.isWhitespace) {
                if row.example.label == .empty { counts.model += 1 }
            } else {
                let probabilities = model.probabilities(prompt: row.example.prompt, answer: answer)
                let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
                if weights.labels[best] == row.example.label { counts.model += 1 }
            }
            let input = row.transcript.input(language: row.transcript.language.flatMap(LanguageTag.init(rawValue:)))
            if detectors.classify(input).label == row.example.label { counts.detectors += 1 }
            if combined.classify(input).label == row.example.label { counts.combined += 1 }
        }
        return counts
    }

    static func line(_ group: String, answers: Int, _ counts: (model: Int, detectors: Int, combined: Int)) -> String {
        func share(_ count: Int) -> String { String(format: "%.3f", Double(count) / Double(max(1, answers))) }
        return "\(group.padding(toLength: 28, withPad: " ", startingAt: 0))  \(String(format: "%7d", answers))   \(share(counts.model))         \(share(counts.detectors))       \(share(counts.combined))"
    }
}
