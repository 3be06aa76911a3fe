import Foundation
import LLMGGUF
import LLMKernels
import LLMTokenizers

/// A chat model run in-process: the GGUF weights, the tokenizer and the chat template.
public final class LanguageModel: Sendable {
    public let url: URL
    public let hyperparameters: Hyperparameters
    public let tokenizer: BPETokenizer
    public let template: ChatTemplate
    let transformer: Transformer

    public var architecture: String { hyperparameters.architecture.rawValue }
    public var vocabularySize: Int { hyperparameters.vocabulary }
    public var contextLength: Int { hyperparameters.contextLength }

    /// Loads a GGUF model. `threads` defaults to the number of active processors.
    /// Throws before touching the file when this processor lacks the instruction-set
    /// extensions the kernels are compiled for, instead of crashing on the first matmul.
    public init(url: URL, threads: Int? = nil) throws {
        if let missing = CPUFeatures.missing() { throw EngineError("cannot load \(url.lastPathComponent): \(missing)") }
        self.url = url
        let file = try GGUFFile(url: url)
        hyperparameters = try Hyperparameters(gguf: file)
        tokenizer = try BPETokenizer(gguf: file)
        template = try ChatTemplate(gguf: file)
        let weights = try TransformerWeights(file: file, hyper: hyperparameters)
        transformer = Transformer(hyper: hyperparameters, weights: weights, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// A fresh KV cache for one sequence of up to `capacity` tokens.
    public func makeCache(capacity: Int) -> KVCache {
        KVCache(layers: hyperparameters.layers, kvDimension: hyperparameters.kvHeads * hyperparameters.headDimension,
                capacity: min(capacity, hyperparameters.contextLength))
    }

    /// Logits after each of `tokens` (teacher forcing), processed as one batch from the cache's end.
    public func logits(forEach tokens: [Int32], cache: KVCache) -> [[Float]] {
        let start = cache.count
        let entries = tokens.enumerated().map { Transformer.Entry(cache: cache, position: start + $0.offset, token: $0.element, wantsLogits: true) }
        return transformer.forward(entries)
    }

    /// Processes `tokens` and returns the logits after the last one.
    public func prefill(_ tokens: [Int32], cache: KVCache, chunk: Int = 64) -> [Float] {
        var last: [Float] = []
        var index = 0
        while index < tokens.count {
            let end = min(tokens.count, index + chunk)
            let start = cache.count
            let entries = (index..<end).map { Transformer.Entry(cache: cache, position: start + $0 - index, token: tokens[$0], wantsLogits: $0 == tokens.count - 1) }
            let result = transformer.forward(entries)
            if let final = result.last { last = final }
            index = end
        }
        return last
    }

    /// One decoding step for several sequences at once: one forward pass over all of them,
    /// returning the logits after each `token` (appended at its cache's end), in order.
    public func step(_ items: [(cache: KVCache, token: Int32)]) -> [[Float]] {
        var logits: [[Float]] = []
        step(items, into: &logits)
        return logits
    }

    /// ``step(_:)`` leaving the logits in `logits`, whose arrays are reused when they already have
    /// the vocabulary's size: a decoding loop that passes the same arrays back each step allocates
    /// (and faults in) no vocabulary-sized memory per step.
    public func step(_ items: [(cache: KVCache, token: Int32)], into logits: inout [[Float]]) {
        transformer.forward(items.map { Transformer.Entry(cache: $0.cache, position: $0.cache.count, token: $0.token, wantsLogits: true) }, into: &logits)
    }
}
