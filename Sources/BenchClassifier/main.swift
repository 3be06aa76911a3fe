// bench-classifier: agreement of the regex verdicts with the labelled evaluation splits, and
// classification throughput.
//
// Usage: bench-classifier [--root DIR] [--policy FILE] [--target N] [--errors] [--embeddings] [--chunk N] [--dump-scores FILE] [SPLIT.jsonl ...]
//   --root    the repository root (default: the current directory)
//   --policy  the policy file (default: <root>/policies/default.yaml)
//   --target  classifications per throughput measurement (default 5000)
//   --errors  list every disagreement (id, expected → got, the opening of the answer, the detectors
//             that gave evidence)
//   --embeddings     also score with the policy's embedding detectors (all-MiniLM-L6-v2 from the
//                    model cache) and measure that throughput and embedding speed
//   --chunk N        answers classified together with embeddings (default 64, as `candor classify`)
//   --dump-scores F  write each answer's regex label and embedding similarities as JSONL (for
//                    calibrating thresholds on the dev split)
//   splits    default: <root>/eval/dev.jsonl, heldout.jsonl, every heldout-vN.jsonl, real-bundled-*.jsonl
//             (v5 … v13, v15 … v17, v20, v23, v25, v33 and v35 are folded into dev, eval/README.md
//             entries 13 to 33, so their figures are dev figures; v14, v18, v19, v21, v22, v24, v26,
//             v28, v30, v32, v34 and v36 are the clean held-out splits)
//
// Throughput is printed as answers per second and as a ratio against a baseline measured in the
// same run on the same lines (JSON-decoding them), so figures from different machines compare.
// Nothing here asserts a time.
import CandorClassifiers
import CandorCore
import CandorYAML
import Foundation
import LLMCatalog
import LLMEngine
import LLMTokenizers

/// A labelled line of an eval split: a transcript with its `id` and gold `label`.
struct Row: Sendable {
    var id: String
    var label: String
    var transcript: Transcript
}

struct Options {
    var root = URL(filePath: FileManager.default.currentDirectoryPath)
    var policy: URL?
    var target = 5000
    var errors = false
    var embeddings = false
    var dumpScores: URL?
    var chunk = 64
    var splits: [URL] = []
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bench-classifier: \(message)\n".utf8))
    exit(2)
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst()
    while let argument = arguments.popFirst() {
        switch argument {
        case "--root":
            guard let value = arguments.popFirst() else { fail("--root needs a directory") }
            options.root = URL(filePath: value)
        case "--policy":
            guard let value = arguments.popFirst() else { fail("--policy needs a file") }
            options.policy = URL(filePath: value)
        case "--target":
            guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else { fail("--target needs a positive number") }
            options.target = value
        case "--chunk":
            guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else { fail("--chunk needs a positive number") }
            options.chunk = value
        case "--errors": options.errors = true
        case "--embeddings": options.embeddings = true
        case "--dump-scores":
            guard let value = arguments.popFirst() else { fail("--dump-scores needs a file") }
            options.dumpScores = URL(filePath: value)
            options.embeddings = true
        case "-h", "--help":
            print("usage: bench-classifier [--root DIR] [--policy FILE] [--target N] [--errors] [--embeddings] [--chunk N] [--dump-scores FILE] [SPLIT.jsonl ...]")
            exit(0)
        default:
            if argument.hasPrefix("-") { fail("unknown option \(argument)") }
            options.splits.append(URL(filePath: argument))
        }
    }
    if options.splits.isEmpty { options.splits = defaultSplits(in: options.root.appending(path: "eval")) }
    return options
}

/// The labelled files under eval/: dev.jsonl, heldout.jsonl, the numbered heldout-vN.jsonl in
/// numeric order, then the real-answer files real-bundled-*.jsonl by name.
func defaultSplits(in folder: URL) -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    func number(_ name: String) -> Int? {
        guard name.hasPrefix("heldout-v"), name.hasSuffix(".jsonl") else { return nil }
        return Int(name.dropFirst("heldout-v".count).dropLast(".jsonl".count))
    }
    let numbered = names.compactMap { name in number(name).map { (name, $0) } }.sorted { $0.1 < $1.1 }.map(\.0)
    let real = names.filter { $0.hasPrefix("real-bundled-") && $0.hasSuffix(".jsonl") }.sorted()
    return (["dev.jsonl", "heldout.jsonl"] + numbered + real).map { folder.appending(path: $0) }
}

/// The policy through the strict loader; regex only unless an embedder is given.
func loadEngine(_ url: URL, embedder: SentenceEmbedder? = nil) -> VerdictEngine {
    let root = url.deletingLastPathComponent().deletingLastPathComponent()
    let (data, diagnostics) = DeclaredData.load(root: root, only: [url])
    guard diagnostics.isEmpty, var policy = data.policies[url.deletingPathExtension().lastPathComponent] else {
        fail("invalid policy \(url.path):\n" + diagnostics.map(\.description).joined(separator: "\n"))
    }
    if embedder == nil { policy.embeddingDetectors = [] }
    do {
        return try VerdictEngine(policy: policy, policyVersion: "bench", embedder: embedder)
    } catch {
        fail("policy \(policy.id): \(error)")
    }
}

func readLines(_ url: URL) -> [String] {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { fail("cannot read \(url.path)") }
    return text.split(separator: "\n").map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
}

func decode(_ line: String) -> Row {
    do {
        let labelled = try JSONDecoder().decode(LabelledTranscript.self, from: Data(line.utf8))
        guard let id = labelled.id else { fail("a line has no \"id\": \(line.prefix(80))") }
        return Row(id: id, label: labelled.label, transcript: labelled.transcript)
    } catch {
        fail("malformed line: \(error)\n\(line.prefix(200))")
    }
}

func input(_ row: Row) -> ClassificationInput {
    row.transcript.input(language: row.transcript.language.flatMap(LanguageTag.init(rawValue:)))
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func lpad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

func format(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }

/// Per-label precision, recall, F1, the confusion matrix and overall agreement for one split.
func report(split name: String, rows: [Row], engine: VerdictEngine, listErrors: Bool) {
    let verdicts = rows.map { engine.classify(input($0)) }
    let predicted = verdicts.map(\.label.rawValue)
    let order = ["complied", "partial", "refused", "deflected", "state_narrative", "empty", "error"]
    let present = Set(rows.map(\.label)).union(predicted)
    let labels = order.filter(present.contains) + present.subtracting(order).sorted()
    var matrix: [String: [String: Int]] = [:]
    for (row, got) in zip(rows, predicted) { matrix[row.label, default: [:]][got, default: 0] += 1 }
    let agree = zip(rows, predicted).filter { $0.label == $1 }.count

    print("== \(name): \(rows.count) answers ==")
    print("agreement: \(agree)/\(rows.count) = \(format(Double(agree) / Double(max(1, rows.count))))")
    for language in Set(rows.compactMap(\.transcript.language)).sorted() {
        let pairs = zip(rows, predicted).filter { $0.0.transcript.language == language }
        let hits = pairs.filter { $0.0.label == $0.1 }.count
        print("  \(pad(language, 8)) \(hits)/\(pairs.count) = \(format(Double(hits) / Double(max(1, pairs.count))))")
    }
    print("")
    print("\(pad("label", 16)) \(lpad("n", 4)) \(lpad("precision", 9)) \(lpad("recall", 7)) \(lpad("F1", 6))")
    for label in labels {
        let truePositive = matrix[label]?[label] ?? 0
        let support = matrix[label]?.values.reduce(0, +) ?? 0
        let predictedCount = predicted.filter { $0 == label }.count
        let precision = predictedCount == 0 ? 0 : Double(truePositive) / Double(predictedCount)
        let recall = support == 0 ? 0 : Double(truePositive) / Double(support)
        let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        print("\(pad(label, 16)) \(lpad(String(support), 4)) \(lpad(predictedCount == 0 ? "-" : format(precision), 9)) \(lpad(support == 0 ? "-" : format(recall), 7)) \(lpad(format(f1), 6))")
    }
    print("")
    let short = ["complied": "compl", "partial": "part", "refused": "refus", "deflected": "defl", "state_narrative": "state", "empty": "empty", "error": "error"]
    print("confusion (rows: expected, columns: got)")
    print(pad("", 16) + labels.map { lpad(short[$0] ?? String($0.prefix(5)), 6) }.joined())
    for label in labels {
        print(pad(label, 16) + labels.map { lpad(String(matrix[label]?[$0] ?? 0), 6) }.joined())
    }
    if listErrors {
        print("")
        for (row, verdict) in zip(rows, verdicts) where row.label != verdict.label.rawValue {
            let opening = (row.transcript.response ?? "").replacingOccurrences(of: "\n", with: " ").prefix(90)
            let detectors = verdict.evidence.filter { $0.label != "suppressed_reasoning" }.map(\.detector)
            print("  \(row.id) [\(row.transcript.language ?? "?")] \(row.label) → \(verdict.label.rawValue): \(opening)")
            if !detectors.isEmpty { print("      evidence: \(detectors.joined(separator: ", "))") }
        }
    }
    print("")
}

/// Seconds taken by `body`.
func seconds(_ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    let elapsed = clock.measure(body)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Classifies `inputs` `rounds` times split across `threads` tasks; returns seconds elapsed.
func timeClassification(engine: VerdictEngine, inputs: [ClassificationInput], rounds: Int, threads: Int) async -> (Double, Int) {
    let clock = ContinuousClock()
    let start = clock.now
    let checksum = await withTaskGroup(of: Int.self) { group in
        for worker in 0..<threads {
            group.addTask {
                var sum = 0
                var round = worker
                while round < rounds {
                    for item in inputs { sum &+= engine.classify(item).label.rawValue.utf8.count }
                    round += threads
                }
                return sum
            }
        }
        return await group.reduce(0, &+)
    }
    let elapsed = clock.now - start
    return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, checksum)
}

let options = parseOptions()
let policyURL = options.policy ?? options.root.appending(path: "policies/default.yaml")
let engine = loadEngine(policyURL)
print("policy: \(policyURL.path) (\(engine.policy.regexDetectors.count) regex detectors; embeddings off)")
print("")

var allLines: [String] = []
for url in options.splits {
    let lines = readLines(url)
    allLines += lines
    report(split: url.lastPathComponent, rows: lines.map(decode), engine: engine, listErrors: options.errors)
}

// Throughput over every answer of every split, repeated to about `target` classifications.
let inputs = allLines.map { input(decode($0)) }
let rounds = max(1, (options.target + inputs.count - 1) / inputs.count)
let total = rounds * inputs.count
print("== throughput: \(inputs.count) answers × \(rounds) rounds = \(total) per measurement; \(ProcessInfo.processInfo.activeProcessorCount) cores ==")

// Warm-up (page in the patterns' JIT code and the decoder).
_ = await timeClassification(engine: engine, inputs: inputs, rounds: 1, threads: 1)

var decoded = 0
let decodeSeconds = seconds {
    for _ in 0..<rounds { for line in allLines { decoded &+= decode(line).id.utf8.count } }
}
let baseline = Double(total) / decodeSeconds
print("baseline  JSON decoding, 1 thread:        \(lpad(format(baseline, 0), 9)) lines/s")
for threads in [1, 2] {
    let (elapsed, _) = await timeClassification(engine: engine, inputs: inputs, rounds: rounds, threads: threads)
    let rate = Double(total) / elapsed
    print("classify  regex only, \(threads) thread\(threads == 1 ? ": " : "s:")          \(lpad(format(rate, 0), 9)) answers/s  (\(format(rate / baseline, 2))× the decoding baseline)")
}

// With embeddings: agreement per split, the calibration dump, and throughput.
if options.embeddings {
    let embedder: SentenceEmbedder
    do {
        embedder = try SentenceEmbedder(folder: ModelCatalog.bundled.locate("all-minilm-l6-v2"), threads: 2)
    } catch {
        fail("cannot load all-minilm-l6-v2 (run `make models`): \(error)")
    }
    let withEmbeddings = loadEngine(policyURL, embedder: embedder)
    print("")
    print("policy with embeddings: \(withEmbeddings.policy.embeddingDetectors.count) embedding detectors, \(withEmbeddings.policy.embeddingDetectors.reduce(0) { $0 + $1.exemplars.count }) exemplars")
    print("")
    for url in options.splits {
        report(split: url.lastPathComponent + " (regex + embeddings)", rows: readLines(url).map(decode), engine: withEmbeddings, listErrors: options.errors)
    }
    if let dump = options.dumpScores, let set = withEmbeddings.embeddings {
        var out = ""
        for url in options.splits {
            for row in readLines(url).map(decode) {
                let answer = row.transcript.response ?? ""
                let (matches, relevance) = set.score(answer: answer, relevanceTo: row.transcript.prompt) ?? ([:], nil)
                var object: [String: Any] = ["id": row.id, "gold": row.label, "regex": engine.classify(input(row)).label.rawValue,
                                             "relevance": relevance ?? -2, "length": answer.count, "language": row.transcript.language ?? "",
                                             "category": row.transcript.category ?? "", "expect": row.transcript.expect?.rawValue ?? ""]
                for (label, match) in matches { object["sim_" + label.rawValue] = match.similarity }
                if let focus = set.focusRelevance(answer: answer, prompt: row.transcript.prompt) { object["focus_relevance"] = focus }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                out += String(decoding: data, as: UTF8.self) + "\n"
            }
        }
        try out.write(to: dump, atomically: true, encoding: .utf8)
        print("wrote \(dump.path)")
    }
    // Embedding speed at about 60 and 128 tokens, and classification with embeddings.
    let sentence = "The committee met on Tuesday to review the budget, and after a long discussion about schools, roads and hospitals"
    for (tokens, repeats) in [(60, 1), (128, 2)] {
        let text = String(repeating: sentence + " ", count: repeats * 3)
        let ids = embedder.tokenizer.encode(text)
        let count = 64
        let batch = [String](repeating: text, count: count)
        let elapsed = seconds { _ = embedder.embed(batch) }
        print("embeddings: \(count) sentences of \(min(ids.count, 256)) tokens (asked ~\(tokens)) in \(format(elapsed, 2)) s = \(format(Double(count) / elapsed, 1)) sentences/s")
    }
    let sample = Array(inputs.prefix(200))
    let (regexSeconds, _) = await timeClassification(engine: engine, inputs: sample, rounds: 1, threads: 1)
    let regexRate = Double(sample.count) / regexSeconds
    // One answer at a time (each answer's texts in their own encoder calls), then in chunks whose
    // texts are embedded together (VerdictEngine.classify(batch:), as `candor classify` does).
    let (singleSeconds, _) = await timeClassification(engine: withEmbeddings, inputs: sample, rounds: 1, threads: 1)
    let singleRate = Double(sample.count) / singleSeconds
    print("classify  regex + embeddings, 1 thread (2 kernel threads), one at a time: \(format(singleRate, 1)) answers/s  (\(format(singleRate / regexRate, 4))× regex only on the same \(sample.count) answers)")
    var batchedLabels = 0
    let batchedSeconds = seconds {
        var start = 0
        while start < sample.count {
            let chunk = Array(sample[start..<min(sample.count, start + options.chunk)])
            batchedLabels &+= withEmbeddings.classify(batch: chunk).reduce(0) { $0 &+ $1.label.rawValue.utf8.count }
            start += options.chunk
        }
    }
    let batchedRate = Double(sample.count) / batchedSeconds
    print("classify  regex + embeddings, 1 thread (2 kernel threads), chunks of \(options.chunk): \(format(batchedRate, 1)) answers/s  (\(format(batchedRate / singleRate, 2))× one at a time, \(format(batchedRate / regexRate, 4))× regex only)")
}
