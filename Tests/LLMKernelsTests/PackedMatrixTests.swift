import Foundation
import LLMKernels
import Testing

/// Weights (`rows × columns`) and inputs (`count × columns`) in −1…1, from a generator seeded by the shape.
func randomProblem(rows: Int, columns: Int, count: Int) -> (weights: [Float], input: [Float]) {
    var state = UInt64(rows * 1_000_003 + columns * 101 + count)
    func random() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
    }
    let weights = (0..<(rows * columns)).map { _ in random() }
    return (weights, (0..<(count * columns)).map { _ in random() })
}

@Suite("Packed float32 matrix × matrix against the scalar reference")
struct PackedMatrixTests {
    @Test("random shapes (rows not a multiple of 16, input rows not a multiple of 4), 1 and 2 threads",
          arguments: [(37, 24, 1), (16, 384, 7), (50, 100, 4), (1, 33, 9), (384, 384, 13)])
    func matchesReference(rows: Int, columns: Int, count: Int) {
        let (weights, input) = randomProblem(rows: rows, columns: columns, count: count)
        var expected = [Float](repeating: 0, count: count * rows)
        weights.withUnsafeBytes { raw in
            let matrix = WeightMatrix(data: raw.baseAddress!, format: .f32, rows: rows, columns: columns)
            MatMul.reference(matrix, input: input, batch: count, output: &expected)
            let packed = PackedMatrix(matrix)
            for threads in [1, 2] {
                var got = [Float](repeating: .nan, count: count * rows)
                packed.multiply(input, count: count, into: &got, threads: threads)
                let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
                #expect(worst < 1e-3, "rows \(rows) columns \(columns) count \(count) threads \(threads): max error \(worst)")
            }
        }
    }
}

@Suite("Quantized panel matrix (11-bit weights × 11-bit activations, 32-bit integer sums)")
struct QuantizedPanelMatrixTests {
    @Test("close to the f32 reference; every processor variant agrees exactly with the portable code",
          arguments: [(37, 24, 1), (16, 384, 7), (50, 101, 4), (1, 33, 9), (384, 1536, 13)])
    func matchesReference(rows: Int, columns: Int, count: Int) {
        let (weights, generated) = randomProblem(rows: rows, columns: columns, count: count)
        var input = generated
        input[0] = 40  // an outlier feature: the rest of that row gets coarser steps (covered by the bound)
        var expected = [Float](repeating: 0, count: count * rows)
        weights.withUnsafeBytes { raw in
            let matrix = WeightMatrix(data: raw.baseAddress!, format: .f32, rows: rows, columns: columns)
            MatMul.reference(matrix, input: input, batch: count, output: &expected)
            let quantized = QuantizedPanelMatrix(matrix)
            // Decoded weights are within half a step of the originals.
            for r in 0..<rows {
                let step = (0..<columns).map { abs(weights[r * columns + $0]) }.max()! / QuantizedPanelMatrix.weightLimit
                for c in 0..<columns { #expect(abs(quantized.weight(r, c) - weights[r * columns + c]) <= step / 2 + 1e-6) }
            }
            var portable = [Float](repeating: .nan, count: count * rows)
            quantized.multiply(input, count: count, into: &portable, threads: 1, variant: .portable)
            for m in 0..<count {
                let x = input[(m * columns)..<((m + 1) * columns)]
                let inputStep = x.map(abs).max()! / QuantizedPanelMatrix.inputLimit
                for r in 0..<rows {
                    let w = weights[(r * columns)..<((r + 1) * columns)]
                    let weightStep = w.map(abs).max()! / QuantizedPanelMatrix.weightLimit
                    // Error bound: half a weight step times Σ|x| plus half an input step times Σ|w|.
                    let bound = 0.5 * weightStep * x.map(abs).reduce(0, +) + 0.5 * inputStep * w.map(abs).reduce(0, +) + 1e-3
                    #expect(abs(portable[m * rows + r] - expected[m * rows + r]) <= bound,
                            "[\(m)][\(r)] \(portable[m * rows + r]) vs \(expected[m * rows + r])")
                }
            }
            for variant in QuantizedPanelMatrix.available where variant != .portable {
                for threads in [1, 2] {
                    var fast = [Float](repeating: .nan, count: count * rows)
                    quantized.multiply(input, count: count, into: &fast, threads: threads, variant: variant)
                    #expect(fast == portable, "\(variant) rows \(rows) columns \(columns) count \(count) threads \(threads)")
                }
            }
        }
    }
}

@Suite("Attention head against a direct computation")
struct AttentionTests {
    @Test("head sizes 32 (register path) and 24 (general path), sequences of 1, 7 and 20 positions",
          arguments: [(32, 1), (32, 7), (32, 20), (24, 7), (24, 20)])
    func matchesDirect(headSize: Int, count: Int) {
        let heads = 2, stride = heads * headSize, scale: Float = 0.3
        let (q, k, v, context) = Self.attendAllHeads(heads: heads, headSize: headSize, count: count, scale: scale)
        for head in 0..<heads {
            for i in 0..<count {
                let column = head * headSize
                let logits = (0..<count).map { j in (0..<headSize).reduce(Float(0)) { $0 + q[i * stride + column + $1] * k[j * stride + column + $1] } * scale }
                let top = logits.max()!
                let weights = logits.map { expf($0 - top) }
                let total = weights.reduce(0, +)
                for d in 0..<headSize {
                    let expected = (0..<count).reduce(Float(0)) { $0 + weights[$1] / total * v[$1 * stride + column + d] }
                    #expect(abs(context[i * stride + column + d] - expected) < 1e-5, "head \(head) position \(i) dimension \(d)")
                }
            }
        }
    }
}

extension AttentionTests {
    /// Random queries, keys and values for `count` positions of `heads` heads side by side (row
    /// stride heads × headSize), and the context `Attention.head` computes for every head.
    static func attendAllHeads(heads: Int, headSize: Int, count: Int, scale: Float) -> (q: [Float], k: [Float], v: [Float], context: [Float]) {
        let stride = heads * headSize
        let (q, kv) = randomProblem(rows: count, columns: stride, count: 2 * count)
        let k = Array(kv.prefix(count * stride)), v = Array(kv.suffix(count * stride))
        var context = [Float](repeating: .nan, count: count * stride)
        var scores = [Float](repeating: 0, count: count), keysT = [Float](repeating: 0, count: count * headSize)
        for head in 0..<heads {
            Attention.head(q: q, k: k, v: v, into: &context, scores: &scores, keysT: &keysT,
                           start: 0, count: count, column: head * headSize, headSize: headSize, stride: stride, scale: scale)
        }
        return (q, k, v, context)
    }

    @Test("head size 32: the four-query path gives, to the bit, the scores and outputs of one query at a time",
          arguments: [4, 13, 37, 64])
    func fourQueriesBitIdentical(count: Int) {
        let headSize = 32, heads = 2, stride = heads * headSize, scale: Float = 0.177
        let (q, k, v, context) = Self.attendAllHeads(heads: heads, headSize: headSize, count: count, scale: scale)
        // One query at a time, as the kernel computed every query before the four-query path.
        for head in 0..<heads {
            let column = head * headSize
            let keys = (0..<headSize).flatMap { d in (0..<count).map { j in k[j * stride + column + d] * scale } }
            for i in 0..<count {
                var row = [Float](repeating: 0, count: count)
                var j = 0
                while j + 8 <= count {
                    var acc = SIMD8<Float>()
                    for d in 0..<headSize {
                        acc.addProduct(SIMD8(repeating: q[i * stride + column + d]), SIMD8((0..<8).map { keys[d * count + j + $0] }))
                    }
                    for lane in 0..<8 { row[j + lane] = acc[lane] }
                    j += 8
                }
                while j < count {
                    var sum: Float = 0
                    for d in 0..<headSize { sum += q[i * stride + column + d] * keys[d * count + j] }
                    row[j] = sum
                    j += 1
                }
                row.withUnsafeMutableBufferPointer { Vector.softmax($0.baseAddress!, count) }
                var out = [SIMD8<Float>](repeating: SIMD8(), count: 4)
                for j in 0..<count {
                    for part in 0..<4 {
                        out[part].addProduct(SIMD8(repeating: row[j]), SIMD8((0..<8).map { v[j * stride + column + part * 8 + $0] }))
                    }
                }
                let expected = (0..<headSize).map { out[$0 / 8][$0 % 8] }
                let got = Array(context[(i * stride + column)..<(i * stride + column + headSize)])
                #expect(got == expected, "head \(head) position \(i) of \(count)")
            }
        }
    }
}

@Suite("Cached grouped-query attention against a direct computation")
struct CachedAttentionTests {
    @Test("heads sharing one key/value head (1, 3, 6, 7), head sizes 64, 20 and 24 (tail paths), 1 and 9 positions",
          arguments: [(1, 64, 9), (3, 64, 9), (6, 64, 1), (3, 20, 9), (6, 20, 9), (7, 24, 9)])
    func matchesDirect(heads: Int, headSize: Int, length: Int) {
        let stride = headSize + 5, scale: Float = 0.25
        let (queries, kv) = randomProblem(rows: heads, columns: headSize, count: 2 * length + 1)
        let keys = kv.prefix(length * stride).map(Float16.init), values = kv.suffix(length * stride).map(Float16.init)
        var context = [Float](repeating: .nan, count: heads * headSize), scores = [Float](repeating: 0, count: heads * length)
        Attention.cached(queries: queries, heads: heads, keys: keys, values: values, length: length, stride: stride,
                         headSize: headSize, scale: scale, scores: &scores, into: &context)
        for h in 0..<heads {
            let logits = (0..<length).map { t in (0..<headSize).reduce(Float(0)) { $0 + queries[h * headSize + $1] * Float(keys[t * stride + $1]) } * scale }
            let top = logits.max()!
            let weights = logits.map { expf($0 - top) }
            let total = weights.reduce(0, +)
            for d in 0..<headSize {
                let expected = (0..<length).reduce(Float(0)) { $0 + weights[$1] / total * Float(values[$1 * stride + d]) }
                #expect(abs(context[h * headSize + d] - expected) < 1e-5, "head \(h) dimension \(d)")
            }
        }
    }
}
