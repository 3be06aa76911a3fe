import Foundation
import LLMKernels

/// The forward pass shared by `llama` and `qwen2`.
///
/// One call processes a batch of entries, each a token at a position of some sequence (its KV
/// cache). Prompt processing is a batch of one sequence's consecutive positions; batched decoding
/// is a batch of one token from each of several sequences. Every matrix multiplication runs once
/// over the whole batch; attention runs per entry against that entry's cache, causally.
struct Transformer: @unchecked Sendable {
    // @unchecked Sendable: read-only after init (weights in a read-only mapping).
    let hyper: Hyperparameters
    let weights: TransformerWeights
    let threads: Int

    struct Entry {
        var cache: KVCache
        var position: Int
        var token: Int32
        /// Whether logits are wanted for this entry.
        var wantsLogits: Bool
    }

    /// Runs the batch and returns logits (vocabulary floats) for each entry that wants them, in order.
    func forward(_ entries: [Entry]) -> [[Float]] {
        let n = entries.count
        let d = hyper.embedding, hd = hyper.headDimension, kvDim = hyper.kvHeads * hd, ff = hyper.feedForward
        let group = hyper.heads / hyper.kvHeads
        let scale = 1 / Float(hd).squareRoot()
        // Buffers, row-major per entry.
        var x = [Float](repeating: 0, count: n * d)        // n × d   residual stream
        var xn = [Float](repeating: 0, count: n * d)       // n × d   normalised
        var q = [Float](repeating: 0, count: n * d)        // n × d   queries (heads × hd)
        var k = [Float](repeating: 0, count: n * kvDim)    // n × kvDim
        var v = [Float](repeating: 0, count: n * kvDim)    // n × kvDim
        var attention = [Float](repeating: 0, count: n * d) // n × d
        var projected = [Float](repeating: 0, count: n * d) // n × d
        var gate = [Float](repeating: 0, count: n * ff)    // n × ff
        var up = [Float](repeating: 0, count: n * ff)      // n × ff
        let maxContext = entries.map { $0.position + 1 }.max() ?? 1
        var scores = [Float](repeating: 0, count: maxContext * group * max(1, threads))  // per worker: one row per head of a group

        x.withUnsafeMutableBufferPointer { x in
            for (i, entry) in entries.enumerated() {
                weights.tokenEmbedding.dequantizeRow(Int(entry.token), into: x.baseAddress! + i * d)
            }
        }
        for (l, layer) in weights.layers.enumerated() {
            for i in 0..<n { Vector.rmsNorm(x.withUnsafeBufferPointer { $0.baseAddress! + i * d }, weight: layer.attentionNorm, epsilon: hyper.rmsEpsilon, n: d, into: xn.withUnsafeMutableBufferPointer { $0.baseAddress! + i * d }) }
            xn.withUnsafeBufferPointer { xn in
                q.withUnsafeMutableBufferPointer { q in
                    k.withUnsafeMutableBufferPointer { k in
                        v.withUnsafeMutableBufferPointer { v in
                            Linear.multiply([layer.q, layer.k, layer.v], xn.baseAddress!, batch: n, outputs: [q.baseAddress!, k.baseAddress!, v.baseAddress!], threads: threads)
                        }
                    }
                }
            }
            if let bias = layer.qBias { addBias(&q, bias, n, d) }
            if let bias = layer.kBias { addBias(&k, bias, n, kvDim) }
            if let bias = layer.vBias { addBias(&v, bias, n, kvDim) }
            q.withUnsafeMutableBufferPointer { q in
                k.withUnsafeMutableBufferPointer { k in
                    for (i, entry) in entries.enumerated() {
                        Vector.rope(q.baseAddress! + i * d, heads: hyper.heads, headDimension: hd, position: entry.position, base: hyper.ropeBase, neox: hyper.architecture.neoxRotary)
                        Vector.rope(k.baseAddress! + i * kvDim, heads: hyper.kvHeads, headDimension: hd, position: entry.position, base: hyper.ropeBase, neox: hyper.architecture.neoxRotary)
                        // Keys and values are rounded to f16 as they enter the cache, as llama.cpp
                        // stores them by default (its cache type is f16), so attention sees the same numbers.
                        Attention.storeHalves(k.baseAddress! + i * kvDim, into: entry.cache.keys[l] + entry.position * kvDim, count: kvDim)
                    }
                }
            }
            v.withUnsafeBufferPointer { v in
                for (i, entry) in entries.enumerated() {
                    Attention.storeHalves(v.baseAddress! + i * kvDim, into: entry.cache.values[l] + entry.position * kvDim, count: kvDim)
                }
            }
            // Attention: every (entry, key/value head) pair is independent (the query heads that
            // share a key/value head read its cache once); pairs are split across the pool.
            q.withUnsafeBufferPointer { q in
                attention.withUnsafeMutableBufferPointer { out in
                    scores.withUnsafeMutableBufferPointer { scores in
                        let kvHeads = hyper.kvHeads, pairs = n * kvHeads, parts = min(threads, pairs)
                        let qAddress = UInt(bitPattern: q.baseAddress!), outAddress = UInt(bitPattern: out.baseAddress!)
                        let scoresAddress = UInt(bitPattern: scores.baseAddress!)
                        WorkerPool.shared(threads: threads).run(parts: parts) { part in
                            // Addresses cross into the workers as integers: each pair writes its own output and scores.
                            let q = UnsafePointer<Float>(bitPattern: qAddress)!, out = UnsafeMutablePointer<Float>(bitPattern: outAddress)!
                            let scores = UnsafeMutablePointer<Float>(bitPattern: scoresAddress)! + part * group * maxContext
                            var pair = part
                            while pair < pairs {
                                let i = pair / kvHeads, kvHead = pair % kvHeads
                                let entry = entries[i], firstHead = kvHead * group
                                Attention.cached(queries: q + i * d + firstHead * hd, heads: group, keys: entry.cache.keys[l] + kvHead * hd,
                                                 values: entry.cache.values[l] + kvHead * hd, length: entry.position + 1, stride: kvDim,
                                                 headSize: hd, scale: scale, scores: scores, into: out + i * d + firstHead * hd)
                                pair += parts
                            }
                        }
                    }
                }
            }
            multiply(layer.o, attention, n, &projected)
            for index in 0..<(n * d) { x[index] += projected[index] }
            for i in 0..<n { Vector.rmsNorm(x.withUnsafeBufferPointer { $0.baseAddress! + i * d }, weight: layer.ffnNorm, epsilon: hyper.rmsEpsilon, n: d, into: xn.withUnsafeMutableBufferPointer { $0.baseAddress! + i * d }) }
            xn.withUnsafeBufferPointer { xn in
                gate.withUnsafeMutableBufferPointer { gate in
                    up.withUnsafeMutableBufferPointer { up in
                        Linear.multiply([layer.gate, layer.up], xn.baseAddress!, batch: n, outputs: [gate.baseAddress!, up.baseAddress!], threads: threads)
                    }
                }
            }
            gate.withUnsafeMutableBufferPointer { g in up.withUnsafeBufferPointer { u in Vector.swiglu(g.baseAddress!, u.baseAddress!, n * ff) } }
            multiply(layer.down, gate, n, &projected)
            for index in 0..<(n * d) { x[index] += projected[index] }
        }
        for entry in entries { entry.cache.count = max(entry.cache.count, entry.position + 1) }
        let wanted = entries.indices.filter { entries[$0].wantsLogits }
        guard !wanted.isEmpty else { return [] }
        var final = [Float](repeating: 0, count: wanted.count * d)
        for (row, i) in wanted.enumerated() {
            Vector.rmsNorm(x.withUnsafeBufferPointer { $0.baseAddress! + i * d }, weight: weights.outputNorm, epsilon: hyper.rmsEpsilon, n: d, into: final.withUnsafeMutableBufferPointer { $0.baseAddress! + row * d })
        }
        var logits = [Float](repeating: 0, count: wanted.count * hyper.vocabulary)
        multiply(weights.output, final, wanted.count, &logits)
        return (0..<wanted.count).map { Array(logits[($0 * hyper.vocabulary)..<(($0 + 1) * hyper.vocabulary)]) }
    }

    private func multiply(_ w: Linear, _ input: [Float], _ batch: Int, _ output: inout [Float]) {
        input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                w.multiply(input.baseAddress!, batch: batch, output: output.baseAddress!, threads: threads)
            }
        }
    }

    private func addBias(_ values: inout [Float], _ bias: UnsafePointer<Float>, _ n: Int, _ width: Int) {
        for i in 0..<n {
            for j in 0..<width { values[i * width + j] += bias[j] }
        }
    }
}
