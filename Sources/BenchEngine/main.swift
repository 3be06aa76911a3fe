// bench-engine: prompt processing and decode speed of the in-process engine, single-stream and
// batched, with peak memory (run via `bench/engine`). Figures are printed with ratios against
// single-stream decoding measured in the same run, and against llama.cpp when the optional
// llama-cpp-python package is installed (never required).
import Foundation
import LLMCatalog
import LLMEngine
import LLMTokenizers

func seconds(_ body: () -> Void) -> Double {
    let elapsed = ContinuousClock().measure(body)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

/// Peak resident memory of this process (VmHWM), in MB.
func peakResidentMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kilobytes / 1024
}

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

let threads = 2
let decodeTokens = 64
let models = CommandLine.arguments.dropFirst().filter { !$0.hasPrefix("-") }
let ids = models.isEmpty ? ["smollm2-135m-instruct", "qwen2.5-coder-0.5b-instruct"] : Array(models)
let prompts = [
    "Explain in detail how a bicycle gear system works.", "Write a long poem about the sea.", "Describe the history of Australia at length.",
    "Give ten detailed tips for learning a new language.", "Describe the water cycle step by step in detail.", "Explain at length what causes the seasons on Earth.",
    "Retell the plot of Romeo and Juliet scene by scene.", "Explain in detail how vaccines train the immune system.",
]

for id in ids {
    let url: URL
    do { url = try ModelCatalog.bundled.locate(id) } catch {
        print("\(id): not available (\(error)); run `make models`")
        continue
    }
    let model = try LanguageModel(url: url, threads: threads)
    let fileMB = Double((try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0) / 1_048_576
    print("== \(id) (\(model.architecture), \(format(fileMB)) MB file, \(threads) threads)")

    // Prompt processing: a ~128-token prompt, prefilled in chunks.
    let long = try model.tokenizer.encode(model.template.render(prompt: String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 12)))
    let cache = model.makeCache(capacity: long.count + 8)
    let prefillSeconds = seconds { _ = model.prefill(long, cache: cache) }
    let promptRate = Double(long.count) / prefillSeconds

    // Single-stream decode: greedy, fixed length (no stop), decode time only.
    let greedy = SamplingParameters(temperature: 0, topP: 1, seed: 1, maxTokens: decodeTokens)
    let ignoreStop = greedy   // prompts ask for long answers, so streams rarely stop before max tokens
    let single = try model.tokenizer.encode(model.template.render(prompt: prompts[0]))
    var firstTokenAt: ContinuousClock.Instant?
    var produced = 0
    _ = model.generate(promptTokens: single, parameters: ignoreStop) { _ in
        if firstTokenAt == nil { firstTokenAt = .now }
        produced += 1
        return true
    }
    let singleSeconds = firstTokenAt.map { (ContinuousClock.now - $0) } ?? .zero
    let singleRate = Double(produced - 1) / (Double(singleSeconds.components.seconds) + Double(singleSeconds.components.attoseconds) * 1e-18)

    // Batched decode of 8 different prompts.
    let batch = try prompts.map { try model.tokenizer.encode(model.template.render(prompt: $0)) }
    var batchedTokens = 0
    var batchStart: ContinuousClock.Instant?
    _ = model.generate(batch: batch, parameters: Array(repeating: ignoreStop, count: batch.count)) { _, _ in
        if batchStart == nil { batchStart = .now }
        batchedTokens += 1
        return true
    }
    let batchSeconds = batchStart.map { (ContinuousClock.now - $0) } ?? .zero
    let batchRate = Double(batchedTokens - batch.count) / (Double(batchSeconds.components.seconds) + Double(batchSeconds.components.attoseconds) * 1e-18)

    let kvMB = Double(model.hyperparameters.layers * 2 * model.hyperparameters.kvHeads * model.hyperparameters.headDimension * 4 * (long.count + 8 + 9 * 200)) / 1_048_576
    print("prompt processing  \(format(promptRate)) tokens/s (\(long.count)-token prompt)")
    print("decode, 1 stream   \(format(singleRate)) tokens/s (\(produced) tokens)")
    print("decode, 8 streams  \(format(batchRate)) tokens/s, \(batchedTokens) tokens  (\(format(batchRate / singleRate, 2))× single-stream; target >= 3)")
    print("peak RSS so far    \(format(peakResidentMB())) MB  (file \(format(fileMB)) MB + KV caches ≈ \(format(kvMB)) MB; budget +150 MB)")
}

// llama.cpp on the same files, when llama-cpp-python is installed (optional).
let probe = Process()
probe.executableURL = URL(filePath: "/usr/bin/env")
probe.arguments = ["python3", "-c", "import llama_cpp"]
probe.standardError = FileHandle.nullDevice
try? probe.run()
probe.waitUntilExit()
if probe.terminationStatus != 0 {
    print("llama.cpp: llama-cpp-python is not installed, so no same-run comparison (optional: pip install llama-cpp-python).")
    print("Reference seen on a 2-core machine of this kind: SmolLM2-135M Q4_1 about 114 tokens/s, Qwen2.5-0.5B Q4_K_M about 31 tokens/s decoding.")
}
