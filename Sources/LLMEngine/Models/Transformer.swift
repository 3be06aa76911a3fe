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
    /// Scratch buffers kept between passes.
    let spareBuffers = BufferPool()

    struct Entry {
        var cache: KVCache
        var position: Int
        var token: Int32
        /// Whether logits are wanted for this entry.
        var wantsLogits: Bool
    }

    /// Runs the batch and returns logits (vocabulary floats) for each entry that wants them, in order.
    func forward(_ entries: [Entry]) -> [[Float]] {
        var logits: [[Float]] = []
        forward(entries, into: &logits)
        return logits
    }

    /// Runs the batch and leaves in `output` the logits of each entry that wants them, in order,
    /// reusing `output`'s arrays where they are already of the vocabulary's size.
    func forward(_ entries: [Entry], into output: inout [[Float]]) {
        let n = entries.count
        let d = hyper.embedding, hd = hyper.headDimension, kvDim = hyper.kvHeads * hd, ff = hyper.feedForward
        let group = hyper.heads / hyper.kvHeads
        let scale = 1 / Float(hd).squareRoot()
        let maxContext = entries.map { $0.position + 1 }.max() ?? 1
        let wanted = entries.indices.filter { entries[$0].wantsLogits }
        // Buffers, row-major per entry, taken from the last pass (at least the sizes given; every
        // element a pass reads it has written first).
        var spare = spareBuffers.take()
        var x = spare.take(\.x, n * d)                 // n × d   residual stream
        var xn = spare.take(\.xn, n * d)               // n × d   normalised
        var q = spare.take(\.q, n * d)                 // n × d   queries (heads × hd)
        var k = spare.take(\.k, n * kvDim)             // n × kvDim
        var v = spare.take(\.v, n * kvDim)             // n × kvDim
        var attention = spare.take(\.attention, n * d) // n × d
        var projected = spare.take(\.projected, n * d) // n × d
        var gate = spare.take(\.gate, n * ff)          // n × ff
        var up = spare.take(\.up, n * ff)              // n × ff
        var scores = spare.take(\.scores, maxContext * group * max(1, threads))  // per worker: one row per head of a group
        var final = spare.take(\.final, wanted.count * d)
        var logits = spare.take(\.logits, wanted.count * hyper.vocabulary)
        var angles = spare.take(\.angles, n * hd)       // n × hd  rotary cos and sin, one set per entry for every layer
        defer {
            spareBuffers.put(Buffers(x: x, xn: xn, q: q, k: k, v: v, attention: attention, projected: projected, gate: gate, up: up,
                                     scores: scores, final: final, logits: logits, angles: angles))
        }

        x.withUnsafeMutableBufferPointer { x in
            for (i, entry) in entries.enumerated() {
                weights.tokenEmbedding.dequantizeRow(Int(entry.token), into: x.baseAddress! + i * d)
            }
        }
        angles.withUnsafeMutableBufferPointer { angles in
            for (i, entry) in entries.enumerated() {
                Vector.ropeAngles(position: entry.position, headDimension: hd, base: hyper.ropeBase, into: angles.baseAddress! + i * hd)
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
                    angles.withUnsafeBufferPointer { angles in
                        for (i, entry) in entries.enumerated() {
                            let rotation = angles.baseAddress! + i * hd
                            Vector.rope(q.baseAddress! + i * d, heads: hyper.heads, headDimension: hd, angles: rotation, neox: hyper.architecture.neoxRotary)
                            Vector.rope(k.baseAddress! + i * kvDim, heads: hyper.kvHeads, headDimension: hd, angles: rotation, neox: hyper.architecture.neoxRotary)
                            // Keys and values are rounded to f16 as they enter the cache, as llama.cpp
                            // stores them by default (its cache type is f16), so attention sees the same numbers.
                            Attention.storeHalves(k.baseAddress! + i * kvDim, into: entry.cache.keys[l] + entry.position * kvDim, count: kvDim)
                        }
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
        if output.count > wanted.count { output.removeLast(output.count - wanted.count) }
        while output.count < wanted.count { output.append([]) }
        guard !wanted.isEmpty else { return }
        for (row, i) in wanted.enumerated() {
            Vector.rmsNorm(x.withUnsafeBufferPointer { $0.baseAddress! + i * d }, weight: weights.outputNorm, epsilon: hyper.rmsEpsilon, n: d, into: final.withUnsafeMutableBufferPointer { $0.baseAddress! + row * d })
        }
        multiply(weights.output, final, wanted.count, &logits)
        let vocabulary = hyper.vocabulary
        logits.withUnsafeBufferPointer { logits in
            for row in 0..<wanted.count {
                if output[row].count != vocabulary { output[row] = [Float](repeating: 0, count: vocabulary) }
                output[row].withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: logits.baseAddress! + row * vocabulary, count: vocabulary) }
            }
        }
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

extension Transformer {
    /// The scratch buffers of one forward pass. Kept for the next pass, because allocating them
    /// anew each decoding step made the process fault in several megabytes every step (the
    /// logits of eight sequences alone are 1.5 MB): a tenth of a batched decoding profile.
    struct Buffers {
        var x: [Float] = [], xn: [Float] = [], q: [Float] = [], k: [Float] = [], v: [Float] = []
        var attention: [Float] = [], projected: [Float] = [], gate: [Float] = [], up: [Float] = []
        var scores: [Float] = [], final: [Float] = [], logits: [Float] = [], angles: [Float] = []

        /// Moves the buffer at `path` out (leaving it empty, so the caller owns the only reference
        /// and writes need no copy), grown to at least `count` floats.
        mutating func take(_ path: WritableKeyPath<Buffers, [Float]>, _ count: Int) -> [Float] {
            var buffer: [Float] = []
            swap(&buffer, &self[keyPath: path])
            if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
            return buffer
        }
    }

    /// Spare buffer sets, one per forward pass that has finished; passes that run at once take
    /// different sets.
    final class BufferPool: @unchecked Sendable {
        // @unchecked Sendable: `spare` is only touched under `lock`.
        private let lock = NSLock()
        private var spare: [Buffers] = []

        func take() -> Buffers { lock.withLock { spare.popLast() } ?? Buffers() }
        func put(_ buffers: Buffers) { lock.withLock { spare.append(buffers) } }
    }
}
