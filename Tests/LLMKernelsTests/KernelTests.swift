import Foundation
import LLMKernels
import Testing

/// Random bytes for `blocks` blocks of `format`, with every f16 scale field set to a small,
/// finite value so the decoded numbers are ordinary.
func randomBlocks(_ format: WeightFormat, blocks: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    func next() -> UInt8 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
    var bytes = (0..<(blocks * format.bytesPerBlock)).map { _ in next() }
    func half(_ value: Float) -> (UInt8, UInt8) {
        let bits = Float16(value).bitPattern
        return (UInt8(bits & 0xFF), UInt8(bits >> 8))
    }
    let scaleOffsets: [Int] = switch format {
    case .q4_0, .q5_0, .q8_0: [0]
    case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
    case .q6_K: [208]
    case .f16: Array(stride(from: 0, to: format.bytesPerBlock, by: 2))
    default: []
    }
    for block in 0..<blocks {
        for offset in scaleOffsets {
            let (low, high) = half(Float(Int(next() % 200) - 100) / 1000)
            bytes[block * format.bytesPerBlock + offset] = low
            bytes[block * format.bytesPerBlock + offset + 1] = high
        }
    }
    if format == .f32 {
        for i in stride(from: 0, to: bytes.count, by: 4) {
            let value = Float(Int(next()) - 128) / 64
            withUnsafeBytes(of: value.bitPattern.littleEndian) { for j in 0..<4 { bytes[i + j] = $0[j] } }
        }
    }
    return bytes
}

@Suite("Kernels")
struct KernelTests {
    @Test("hand-built blocks decode to hand-checked values")
    func handChecked() {
        // Q8_0: d = 0.5 (0x3800), q = -4, 0, 3, ...
        var q8: [UInt8] = [0x00, 0x38] + [UInt8(bitPattern: -4), 0, 3] + [UInt8](repeating: 0, count: 29)
        var out = [Float](repeating: 9, count: 32)
        q8.withUnsafeBytes { Dequantize.row(.q8_0, from: $0.baseAddress!, count: 32, into: &out) }
        #expect(Array(out.prefix(3)) == [-2, 0, 1.5])
        // Q4_1: d = 1, m = -8; byte 0x21 → element 0 = 1·1 − 8 = −7, element 16 = 2·1 − 8 = −6.
        q8 = [0x00, 0x3C, 0x00, 0xC8] + [0x21] + [UInt8](repeating: 0, count: 15)
        q8.withUnsafeBytes { Dequantize.row(.q4_1, from: $0.baseAddress!, count: 32, into: &out) }
        #expect(out[0] == -7 && out[16] == -6 && out[1] == -8)
        // Q4_0: d = 2, byte 0x9F → element 0 = (15 − 8)·2 = 14, element 16 = (9 − 8)·2 = 2.
        q8 = [0x00, 0x40, 0x9F] + [UInt8](repeating: 0x88, count: 15)
        q8.withUnsafeBytes { Dequantize.row(.q4_0, from: $0.baseAddress!, count: 32, into: &out) }
        #expect(out[0] == 14 && out[16] == 2 && out[1] == 0)
        // Q5_0: d = 1, qh bit 0 set → element 0 = (0x0 | 0x10) − 16 = 0; element 1 = 0 − 16 = −16.
        q8 = [0x00, 0x3C, 0x01, 0, 0, 0] + [UInt8](repeating: 0, count: 16)
        q8.withUnsafeBytes { Dequantize.row(.q5_0, from: $0.baseAddress!, count: 32, into: &out) }
        #expect(out[0] == 0 && out[1] == -16)
    }

    @Test("the threaded SIMD matmul matches the scalar reference for every format", arguments: [
        WeightFormat.f32, .f16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K,
    ])
    func matmulMatchesReference(format: WeightFormat) {
        // Batches of 1 (single-token decoding), 3 and 11 (the fused kernels take eight vectors at a time).
        for batch in [1, 3, 11] { matmulMatchesReference(format: format, batch: batch) }
    }

    func matmulMatchesReference(format: WeightFormat, batch: Int) {
        // 136 rows: 17 groups of eight for the interleaved kernels.
        let rows = 136, columns = 512
        let bytes = randomBlocks(format, blocks: rows * columns / format.blockSize, seed: 42)
        var input = [Float](repeating: 0, count: batch * columns)
        for i in input.indices { input[i] = Float((i * 37) % 101) / 50 - 1 }
        var reference = [Float](repeating: 0, count: batch * rows), exact = reference
        var fastByKernel: [(String, [Float])] = []
        let activations = QuantizedVector(capacity: batch * columns)
        activations.quantize(input, count: batch * columns)
        bytes.withUnsafeBytes { raw in
            let matrix = WeightMatrix(data: raw.baseAddress!, format: format, rows: rows, columns: columns)
            for kernel in MatMul.availableKernels {
                var fast = [Float](repeating: .nan, count: batch * rows)
                MatMul.multiply(matrix, input: input, batch: batch, output: &fast, threads: 2, kernel: kernel)
                fastByKernel.append(("\(kernel)", fast))
            }
            // Both layouts; the AVX-512 build takes only the paired one. 17 groups on two threads:
            // one thread's range ends inside a pair and the other's starts inside it, and the last
            // group has no partner.
            for paired in [false, true] {
                guard let interleaved = InterleavedMatrix(matrix, paired: paired) else { continue }
                for variant in InterleavedMatrix.variants where paired || variant != .avx512VNNI {
                    var fast = [Float](repeating: .nan, count: batch * rows)
                    interleaved.multiply(input: input, batch: batch, output: &fast, threads: 2, variant: variant)
                    fastByKernel.append(("interleaved-\(variant)\(paired ? "-paired" : "")", fast))
                }
            }
            MatMul.reference(matrix, input: input, batch: batch, output: &exact)
            if IntegerRow.supports(format) {
                // Quantized weights take the integer path: the reference quantizes activations too.
                let row = IntegerRow(capacity: columns)
                for r in 0..<rows {
                    row.decode(format, from: raw.baseAddress! + r * matrix.rowBytes, count: columns)
                    for b in 0..<batch {
                        reference[b * rows + r] = IntegerDot.reference(row, activations, offset: b * columns, count: columns)
                    }
                }
            } else {
                reference = exact
            }
        }
        let scale = exact.map(abs).max() ?? 1
        // The two fused builds differ only in how the integer sums are formed: identical results.
        // Interleaved Q8_0 is the exception: the VNNI builds make its codes unsigned with an offset
        // (maddubs would saturate on them), so they agree with AVX2 to rounding (checked against the
        // reference below) and exactly with each other.
        let interleavedPairs = format == .q8_0
            ? [("interleaved-avxVNNI", "interleaved-avxVNNI-paired"), ("interleaved-avxVNNI", "interleaved-avx512VNNI-paired"),
               ("interleaved-avx2", "interleaved-avx2-paired")]
            : [("interleaved-avx2", "interleaved-avxVNNI"), ("interleaved-avx2", "interleaved-avx2-paired"),
               ("interleaved-avx2", "interleaved-avxVNNI-paired"), ("interleaved-avx2", "interleaved-avx512VNNI-paired")]
        for (avx2Name, vnniName) in [("fusedAVX2", "fusedVNNI")] + interleavedPairs {
            if let avx2 = fastByKernel.first(where: { $0.0 == avx2Name })?.1, let vnni = fastByKernel.first(where: { $0.0 == vnniName })?.1 {
                #expect(avx2 == vnni, "\(format) batch \(batch): \(avx2Name) and \(vnniName) differ")
            }
        }
        // Every format the interleaved kernels take is tested through them where the processor has AVX2.
        if [.q4_0, .q4_1, .q5_0, .q8_0, .q4_K, .q6_K].contains(format) && !InterleavedMatrix.variants.isEmpty {
            #expect(fastByKernel.contains { $0.0.hasPrefix("interleaved") }, "\(format) was not interleaved")
        }
        for (kernel, fast) in fastByKernel {
            for i in fast.indices {
                #expect(abs(fast[i] - reference[i]) <= 1e-4 * max(1, scale), "\(format) \(kernel) batch \(batch) [\(i)]: \(fast[i]) vs \(reference[i])")
                // 8-bit activations stay close to the f32 product (each code is within half a step of 1/254 of its block's range).
                #expect(abs(fast[i] - exact[i]) <= 2e-2 * max(1, scale), "\(format) \(kernel) [\(i)]: \(fast[i]) vs exact \(exact[i])")
            }
        }
    }

    @Test("several interleaved matrices in one job give exactly what each gives alone")
    func interleavedJointProduct() throws {
        guard !InterleavedMatrix.variants.isEmpty else { return }
        let columns = 256, batch = 5
        let a = randomBlocks(.q5_0, blocks: 64 * columns / 32, seed: 3), b = randomBlocks(.q4_1, blocks: 136 * columns / 32, seed: 4)
        let input = (0..<(batch * columns)).map { Float(($0 * 29) % 97) / 40 - 1.2 }
        try a.withUnsafeBytes { ra in
            try b.withUnsafeBytes { rb in
                let ma = try #require(InterleavedMatrix(WeightMatrix(data: ra.baseAddress!, format: .q5_0, rows: 64, columns: columns)))
                let mb = try #require(InterleavedMatrix(WeightMatrix(data: rb.baseAddress!, format: .q4_1, rows: 136, columns: columns)))
                var aloneA = [Float](repeating: .nan, count: batch * 64), aloneB = [Float](repeating: .nan, count: batch * 136)
                ma.multiply(input: input, batch: batch, output: &aloneA, threads: 2)
                mb.multiply(input: input, batch: batch, output: &aloneB, threads: 2)
                var jointA = [Float](repeating: .nan, count: batch * 64), jointB = [Float](repeating: .nan, count: batch * 136)
                jointA.withUnsafeMutableBufferPointer { oa in
                    jointB.withUnsafeMutableBufferPointer { ob in
                        InterleavedMatrix.multiply([ma, mb], input: input, batch: batch, outputs: [oa.baseAddress!, ob.baseAddress!], threads: 2)
                    }
                }
                #expect(jointA == aloneA && jointB == aloneB)
                #expect(!aloneA.contains { $0.isNaN } && !aloneB.contains { $0.isNaN })
            }
        }
    }

    @Test("a matrix whose rows do not fill groups of eight, or in a format without a layout, is not interleaved")
    func interleavingDeclines() {
        let bytes = randomBlocks(.q4_1, blocks: 130 * 2, seed: 7)
        bytes.withUnsafeBytes { raw in
            #expect(InterleavedMatrix(WeightMatrix(data: raw.baseAddress!, format: .q4_1, rows: 130, columns: 64)) == nil)
            #expect(InterleavedMatrix(WeightMatrix(data: raw.baseAddress!, format: .f32, rows: 8, columns: 64)) == nil)
            if !InterleavedMatrix.variants.isEmpty {
                #expect(InterleavedMatrix(WeightMatrix(data: raw.baseAddress!, format: .q4_1, rows: 128, columns: 64)) != nil)
            }
        }
    }

    @Test("integer row decoding matches the f32 dequantization", arguments: [
        WeightFormat.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K,
    ])
    func integerRowDecodes(format: WeightFormat) {
        let columns = 512
        let bytes = randomBlocks(format, blocks: columns / format.blockSize, seed: 7)
        var floats = [Float](repeating: 0, count: columns)
        let row = IntegerRow(capacity: columns)
        bytes.withUnsafeBytes { raw in
            Dequantize.row(format, from: raw.baseAddress!, count: columns, into: &floats)
            row.decode(format, from: raw.baseAddress!, count: columns)
        }
        for i in 0..<columns {
            let decoded = row.scales[i / 16] * Float(row.codes[i]) + row.offsets[i / 32]
            #expect(abs(decoded - floats[i]) <= 1e-5 * max(1, abs(floats[i])), "\(format) [\(i)]: \(decoded) vs \(floats[i])")
        }
    }

    @Test("every integer dot variant matches the scalar reference on random blocks", arguments: [
        WeightFormat.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K,
    ])
    func integerDotVariants(format: WeightFormat) {
        let columns = 1024
        let row = IntegerRow(capacity: columns)
        let activations = QuantizedVector(capacity: 2 * columns)
        var input = [Float](repeating: 0, count: 2 * columns)
        for i in input.indices { input[i] = Float((i * 53) % 211) / 70 - 1.5 }
        input[5] = 0  // a block with a zero and the extremes
        input[6] = -127
        activations.quantize(input, count: 2 * columns)
        #expect(activations.codes[6] == -127)
        for seed in UInt64(1)...4 {
            let bytes = randomBlocks(format, blocks: columns / format.blockSize, seed: seed)
            bytes.withUnsafeBytes { row.decode(format, from: $0.baseAddress!, count: columns) }
            for offset in [0, columns] {
                let reference = IntegerDot.reference(row, activations, offset: offset, count: columns)
                for variant in [IntegerDot.Variant.portable, .avx2] where variant == .portable || CPUFeatures.hasAVX2AndFMA {
                    let fast = IntegerDot.row(row, activations, offset: offset, count: columns, variant: variant)
                    #expect(abs(fast - reference) <= 1e-4 * max(1, abs(reference)), "\(format) \(variant) seed \(seed): \(fast) vs \(reference)")
                }
            }
        }
    }

    @Test("activation quantization: every variant gives the same codes, scales and sums")
    func quantizeVariants() {
        let count = 32 * 40
        var input = [Float](repeating: 0, count: count)
        for i in input.indices { input[i] = Float((i * 71) % 257) / 40 - 3.2 }
        for i in 32..<64 { input[i] = 0 }                      // an all-zero block
        input[70] = 1e-30; input[71] = -5e4                     // tiny and huge in one block
        for i in 96..<128 { input[i] = Float(i - 112) / 2 }    // exact halves: ties round to even
        let portable = QuantizedVector(capacity: count), fast = QuantizedVector(capacity: count)
        portable.quantize(input, count: count, variant: .portable)
        fast.quantize(input, count: count)
        for i in 0..<count { #expect(portable.codes[i] == fast.codes[i], "code \(i): \(portable.codes[i]) vs \(fast.codes[i])") }
        for b in 0..<(count / 32) {
            #expect(portable.scales[b] == fast.scales[b] && portable.sums[b] == fast.sums[b], "block \(b)")
            // Every code is within half a step of x / scale.
            for j in 0..<32 where portable.scales[b] > 0 {
                let exact = input[32 * b + j] / portable.scales[b]
                #expect(abs(exact - Float(portable.codes[32 * b + j])) <= 0.5 + 1e-3)
            }
        }
        #expect((32..<64).allSatisfy { portable.codes[$0] == 0 } && portable.scales[1] == 0)
    }

    @Test("the eight-lane exp agrees with expf across its range")
    func exp8MatchesExpf() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0123 })
            let fast = Vector.exp8(lanes)
            for lane in 0..<8 {
                let exact = expf(lanes[lane])
                worst = max(worst, abs(fast[lane] - exact) / exact)
            }
            x += 0.37
        }
        #expect(worst < 1e-6, "worst relative error \(worst)")
        let edges = Vector.exp8(SIMD8<Float>(-1000, -87.3, 0, 1, -1, 88.3, 1000, .leastNormalMagnitude))
        #expect(edges[0] > 0 && edges[0] < 1e-37 && edges[2] == 1 && abs(edges[3] - Float(M_E)) < 1e-6)
        #expect(edges[5].isFinite && edges[6].isFinite && edges[6] > 1e38)
    }

    @Test("softmax, RMSNorm and RoPE behave as defined")
    func vectorOps() {
        var x: [Float] = [1, 2, 3]
        Vector.softmax(&x, 3)
        #expect(abs(x.reduce(0, +) - 1) < 1e-6 && x[2] > x[1] && x[1] > x[0])
        let input: [Float] = [3, 4]
        var normed = [Float](repeating: 0, count: 2)
        Vector.rmsNorm(input, weight: [1, 2], epsilon: 0, n: 2, into: &normed)
        let rms = Float(12.5).squareRoot()
        #expect(abs(normed[0] - 3 / rms) < 1e-6 && abs(normed[1] - 8 / rms) < 1e-6)
        var head: [Float] = [1, 0, 0, 1]
        Vector.rope(&head, heads: 1, headDimension: 4, position: 0, base: 10_000, neox: false)
        #expect(head == [1, 0, 0, 1])
        Vector.rope(&head, heads: 1, headDimension: 4, position: 1, base: 10_000, neox: false)
        #expect(abs(head[0] - cosf(1)) < 1e-6 && abs(head[1] - sinf(1)) < 1e-6)
        var neox: [Float] = [1, 0, 0, 0]
        Vector.rope(&neox, heads: 1, headDimension: 4, position: 1, base: 10_000, neox: true)
        #expect(abs(neox[0] - cosf(1)) < 1e-6 && abs(neox[2] - sinf(1)) < 1e-6)
    }
}
