// bench-engine MODEL.gguf [threads]
//
// Measures the engine on one model file: prompt processing, single-stream decode and batched-8
// decode in tokens per second (medians of alternating runs), and peak resident memory against
// file size + KV cache.
// Prints `key value` lines (one per figure) so `bench/engine` can compare runs and engines.
import Foundation
import LLMEngine
import LLMKernels
import LLMTokenizers

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: bench-engine MODEL.gguf [threads]\n".utf8))
    exit(2)
}
let url = URL(fileURLWithPath: arguments[1])
let threads = arguments.count > 2 ? Int(arguments[2]) ?? 2 : 2
// BENCH_PROMPT / BENCH_STEPS shrink the run (for example under callgrind).
let environment = ProcessInfo.processInfo.environment
let promptLength = Int(environment["BENCH_PROMPT"] ?? "") ?? 128
let decodeSteps = Int(environment["BENCH_STEPS"] ?? "") ?? 64
let batch = 8

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}

func argmax(_ values: [Float]) -> Int32 {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return Int32(best)
}

let model: LanguageModel
do {
    model = try LanguageModel(url: url, threads: threads)
} catch {
    FileHandle.standardError.write(Data("bench-engine: \(error)\n".utf8))
    exit(1)
}
let text = "The quick brown fox jumps over the lazy dog while the engineers measure how fast the model reads. "
var promptTokens: [Int32] = []
while promptTokens.count < promptLength { promptTokens += model.tokenizer.encode(text) }
promptTokens = Array(promptTokens.prefix(promptLength))
let capacity = promptLength + decodeSteps + 1

// Warm-up: touches the weights once so page faults do not count against the first figure.
_ = model.prefill(Array(promptTokens.prefix(8)), cache: model.makeCache(capacity: 16))

// Prompt processing.
let prefillCache = model.makeCache(capacity: capacity)
var start = now()
var logits = model.prefill(promptTokens, cache: prefillCache)
let prefillRate = Double(promptLength) / (now() - start)

// Single-stream and batched decoding, measured in alternation `repeats` times (BENCH_REPEAT,
// default 5) so that both see the same state of a shared machine; the medians are reported, and
// the batching ratio is the median of the ratios of adjacent pairs.
let repeats = max(1, Int(environment["BENCH_REPEAT"] ?? "") ?? 5)
let prompt = promptTokens

/// Single-stream greedy decode after a short prompt.
func singleStream() -> Double {
    let cache = model.makeCache(capacity: capacity)
    var token = argmax(model.prefill(Array(prompt.prefix(8)), cache: cache))
    var logits: [[Float]] = []  // reused from step to step, as the generator does
    let start = now()
    for _ in 0..<decodeSteps {
        model.step([(cache, token)], into: &logits)
        token = argmax(logits[0])
    }
    return Double(decodeSteps) / (now() - start)
}

/// Batched greedy decode: `batch` different prompts, one forward pass per step.
func batched() -> Double {
    let caches = (0..<batch).map { _ in model.makeCache(capacity: capacity) }
    var tokens: [Int32] = []
    for (i, cache) in caches.enumerated() {
        tokens.append(argmax(model.prefill(Array(prompt[i..<(i + 8)]), cache: cache)))
    }
    var rows: [[Float]] = []
    let start = now()
    for _ in 0..<decodeSteps {
        model.step(Array(zip(caches, tokens)).map { (cache: $0.0, token: $0.1) }, into: &rows)
        tokens = rows.map(argmax)
    }
    return Double(batch * decodeSteps) / (now() - start)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

var singleRates: [Double] = [], batchedRates: [Double] = []
for _ in 0..<repeats {
    singleRates.append(singleStream())
    batchedRates.append(batched())
}
let singleRate = median(singleRates), batchedRate = median(batchedRates)
let pairRatios = zip(batchedRates, singleRates).map { $0 / $1 }

let hyper = model.hyperparameters
let kvBytesPerCache = 2 * hyper.layers * hyper.kvHeads * hyper.headDimension * MemoryLayout<Float16>.size  // the cache holds f16
// Caches alive at the peak: the batch plus the prefill, single and warm-up caches.
let kvBytes = kvBytesPerCache * (capacity * (batch + 2) + 16)
let fileBytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
let peak = peakResidentBytes()
let megabyte = 1024.0 * 1024.0

print("model \(url.lastPathComponent)")
print("threads \(threads)")
print("kernel \(MatMul.integerPath ? "integer-\(MatMul.bestKernel)" : "f32")")
print("interleaved \(InterleavedMatrix.enabled ? "\(InterleavedMatrix.variants.last!)" : "off")")
print(String(format: "prompt_tok_s %.1f", prefillRate))
print(String(format: "decode_tok_s %.1f", singleRate))
print(String(format: "batched%d_tok_s %.1f", batch, batchedRate))
print(String(format: "batched_over_single %.2f", median(pairRatios)))
print("pair_ratios " + pairRatios.map { String(format: "%.2f", $0) }.joined(separator: ","))
print("decode_runs " + singleRates.map { String(format: "%.0f", $0) }.joined(separator: ","))
print("batched8_runs " + batchedRates.map { String(format: "%.0f", $0) }.joined(separator: ","))
print(String(format: "peak_rss_mb %.1f", Double(peak) / megabyte))
print(String(format: "file_plus_kv_mb %.1f", Double(fileBytes + kvBytes) / megabyte))
print(String(format: "rss_over_budget_mb %.1f", Double(peak - fileBytes - kvBytes) / megabyte))
