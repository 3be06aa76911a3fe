import Foundation
#if arch(x86_64)
import LLMKernelsAVX2
import LLMKernelsVNNI
import LLMKernelsAVX512
#endif

/// A quantized weight matrix with its rows interleaved by eights, for the AVX2 and AVX-VNNI
/// kernels of LLMKernelsAVX2/InterleavedAVX2.swift (the layout is described there).
///
/// Why: the row-at-a-time fused kernels (``MatMul``) convert, scale and accumulate every 32-column
/// block of every row for every activation vector, and sum each row's lanes at its end. With
/// eight rows side by side in each register that work is done once per eight rows, which is what
/// batched decoding (eight sequences, compute-bound) needs; a single token also gains, since a
/// block is unpacked once for eight rows. The copy is exactly as large as the ggml rows, and the
/// owner of the source may drop the source's pages afterwards.
///
/// Numbers: the same integer sums as the row-at-a-time kernels, scaled in a different order
/// (within 1e-4 of the scalar integer reference in the kernel tests).
public final class InterleavedMatrix: @unchecked Sendable {
    // @unchecked Sendable: written once in init, read-only afterwards, freed in deinit.

    public let rows: Int
    public let columns: Int
    public let format: WeightFormat
    let data: UnsafeMutableRawPointer
    let groupBytes: Int
    #if arch(x86_64)
    let kernelFormat: LLMKernelsAVX2.InterleavedFormatAVX2
    #endif

    /// The builds of the interleaved kernels: AVX2, AVX-VNNI and AVX-512 (LLMKernelsAVX512:
    /// eight-vector passes, activation broadcasts folded into `vpdpbusd`).
    public enum Variant: Sendable, CaseIterable { case avx2, avxVNNI, avx512VNNI }

    /// The builds that run on this processor, slowest first (empty without AVX2).
    public static let variants: [Variant] = Variant.allCases.filter {
        switch $0 {
        case .avx2: CPUFeatures.instructionSets.contains(.avx2)
        case .avxVNNI: CPUFeatures.instructionSets.contains(.avxVNNI)
        case .avx512VNNI: CPUFeatures.hasAVX512VNNI
        }
    }

    /// Whether weights are interleaved when a model loads. `CANDOR_INTERLEAVE=0` keeps the
    /// row-at-a-time kernels, so a benchmark can compare both in the same build.
    public static let enabled = ProcessInfo.processInfo.environment["CANDOR_INTERLEAVE"] != "0" && MatMul.integerPath && !variants.isEmpty

    /// Interleaves `weights`, or returns nil when the kernels cannot take it: no AVX2, a format
    /// without an interleaved layout, or a row count that is not a multiple of 8.
    public init?(_ weights: WeightMatrix) {
        #if arch(x86_64)
        let format: LLMKernelsAVX2.InterleavedFormatAVX2
        switch weights.format {
        case .q4_0: format = .q4_0
        case .q4_1: format = .q4_1
        case .q5_0: format = .q5_0
        case .q8_0: format = .q8_0
        case .q4_K: format = .q4_K
        case .q6_K: format = .q6_K
        default: return nil
        }
        guard !Self.variants.isEmpty, weights.rows % 8 == 0, weights.columns % 32 == 0, weights.rows > 0 else { return nil }
        kernelFormat = format
        rows = weights.rows
        columns = weights.columns
        self.format = weights.format
        groupBytes = columns / 32 * format.blockBytes
        data = .allocate(byteCount: rows / 8 * groupBytes, alignment: 64)
        for group in 0..<(rows / 8) {
            LLMKernelsAVX2.interleaveGroupAVX2(format, source: weights.data, rowBytes: weights.rowBytes, group: group, blocks: columns / 32, into: data + group * groupBytes)
        }
        #else
        return nil
        #endif
    }

    deinit { data.deallocate() }

    /// `output[b][r] = Σ_c W[r][c] · input[b][c]`, with the activations quantized to 8-bit blocks
    /// as ``MatMul`` does; row groups are split across the threads of a ``WorkerPool``.
    /// - Parameters:
    ///   - input: `batch × columns` floats, row-major.
    ///   - output: `batch × rows` floats, row-major.
    ///   - variant: one of ``variants``.
    public func multiply(input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>, threads: Int, variant: Variant = InterleavedMatrix.variants.last ?? .avx2) {
        #if arch(x86_64)
        precondition(Self.variants.contains(variant), "the interleaved kernels have no \(variant) build on this processor")
        let quantized = QuantizedVector(capacity: batch * columns)
        quantized.quantize(input, count: batch * columns)
        let groups = rows / 8
        let workers = max(1, min(threads, groups / 8))
        let chunk = (groups + workers - 1) / workers
        let outputAddress = UInt(bitPattern: output)
        let body: @Sendable (Int) -> Void = { worker in
            // The output address crosses into the worker as an integer: each worker writes disjoint rows.
            let output = UnsafeMutablePointer<Float>(bitPattern: outputAddress)!
            let start = worker * chunk, end = min(groups, start + chunk)
            guard start < end else { return }
            switch variant {
            case .avx512VNNI:
                LLMKernelsAVX512.interleavedRowsAVX2(
                    LLMKernelsAVX512.InterleavedFormatAVX2(rawValue: self.kernelFormat.rawValue)!, weights: self.data, blocks: self.columns / 32,
                    groupStart: start, groupEnd: end, activations: quantized.codes, activationScales: quantized.scales,
                    activationSums: quantized.sums, columns: self.columns, vectors: batch, output: output, outputStride: self.rows)
            case .avxVNNI:
                LLMKernelsVNNI.interleavedRowsAVX2(
                    LLMKernelsVNNI.InterleavedFormatAVX2(rawValue: self.kernelFormat.rawValue)!, weights: self.data, blocks: self.columns / 32,
                    groupStart: start, groupEnd: end, activations: quantized.codes, activationScales: quantized.scales,
                    activationSums: quantized.sums, columns: self.columns, vectors: batch, output: output, outputStride: self.rows)
            case .avx2:
                LLMKernelsAVX2.interleavedRowsAVX2(
                    self.kernelFormat, weights: self.data, blocks: self.columns / 32,
                    groupStart: start, groupEnd: end, activations: quantized.codes, activationScales: quantized.scales,
                    activationSums: quantized.sums, columns: self.columns, vectors: batch, output: output, outputStride: self.rows)
            }
        }
        WorkerPool.shared(threads: threads).run(parts: workers, body)
        #endif
    }
}
