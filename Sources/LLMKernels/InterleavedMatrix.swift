import Dispatch
import Foundation
#if arch(x86_64)
import LLMKernelsAVX2
import LLMKernelsVNNI
import LLMKernelsAVX512
#endif

/// A quantized weight matrix with its rows interleaved by eights, for the kernels of
/// LLMKernelsAVX2/InterleavedAVX2.swift (the layout is described there), built three times: AVX2,
/// AVX-VNNI, and AVX-512 with VNNI (pairs of groups in 64-byte registers, eight vectors per pass
/// in 32 registers; it needs the paired layout, see ``paired``).
///
/// Why: the row-at-a-time fused kernels (``MatMul``) convert, scale and accumulate every 32-column
/// block of every row for every activation vector, and sum each row's lanes at its end. With
/// eight rows side by side in each register that work is done once per eight rows, which is what
/// batched decoding (eight sequences, compute-bound) and prompt processing need; a single token
/// also gains, since a block is unpacked once for eight rows. For Q4_0, Q4_1, Q5_0 and Q8_0 the
/// copy is exactly as large as the ggml rows; Q4_K records are a third larger and Q6_K records
/// half as large again (f32 scales, byte codes). The owner of the source may drop the source's
/// pages afterwards.
///
/// Numbers: the same integer sums as the row-at-a-time kernels, scaled in a different order
/// (within 1e-4 of the scalar integer reference in the kernel tests); the builds agree exactly,
/// except Q8_0, whose VNNI builds add an offset (see `rowsQ8_0`).
public final class InterleavedMatrix: @unchecked Sendable {
    // @unchecked Sendable: written once in init, read-only afterwards, freed in deinit.

    public let rows: Int
    public let columns: Int
    public let format: WeightFormat
    let data: UnsafeMutableRawPointer
    let groupBytes: Int
    /// Whether pairs of groups alternate their records (see `interleavedRecordPlacement`): the
    /// layout the AVX-512 build needs, chosen where that build runs.
    public let paired: Bool
    #if arch(x86_64)
    let kernelFormat: LLMKernelsAVX2.InterleavedFormatAVX2
    #endif

    /// The builds of the interleaved kernels: AVX2, AVX-VNNI and AVX-512 (LLMKernelsAVX512:
    /// sixteen rows per register, eight-vector passes, activation broadcasts folded into `vpdpbusd`).
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
    /// - Parameter paired: the layout; by default paired where the AVX-512 build runs. The
    ///   256-bit builds take either, the AVX-512 build only the paired one.
    public init?(_ weights: WeightMatrix, paired: Bool = InterleavedMatrix.variants.contains(.avx512VNNI)) {
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
        self.paired = paired
        rows = weights.rows
        columns = weights.columns
        self.format = weights.format
        groupBytes = columns / 32 * format.blockBytes
        data = .allocate(byteCount: rows / 8 * groupBytes, alignment: 64)
        // Copied in parallel (model load time: about half a second for Qwen2.5-0.5B on one thread).
        let groups = rows / 8, parts = min(groups, 2 * ProcessInfo.processInfo.activeProcessorCount)
        let source = UInt(bitPattern: weights.data), destination = UInt(bitPattern: data)
        let (rowBytes, blocks, groupBytes) = (weights.rowBytes, columns / 32, groupBytes)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            // Addresses cross into the closure as integers: each part writes its own groups.
            let source = UnsafeRawPointer(bitPattern: source)!, destination = UnsafeMutableRawPointer(bitPattern: destination)!
            for group in stride(from: part, to: groups, by: parts) {
                let (offset, stride) = LLMKernelsAVX2.interleavedRecordPlacement(group: group, groups: groups, paired: paired, recordBytes: format.blockBytes, groupBytes: groupBytes)
                LLMKernelsAVX2.interleaveGroupAVX2(format, source: source, rowBytes: rowBytes, group: group, blocks: blocks, into: destination + offset, recordStride: stride)
            }
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
        Self.multiply([self], input: input, batch: batch, outputs: [output], threads: threads, variant: variant)
    }

    /// Several matrices of the same width applied to the same input (a layer's query, key and
    /// value projections; its gate and up projections): the input is quantized once and one
    /// parallel job covers them all, each thread taking its share of every matrix, instead of one
    /// quantization and one hand-off to the pool per matrix.
    /// - Parameter outputs: one `batch × matrices[i].rows` buffer per matrix.
    public static func multiply(_ matrices: [InterleavedMatrix], input: UnsafePointer<Float>, batch: Int, outputs: [UnsafeMutablePointer<Float>], threads: Int, variant: Variant = InterleavedMatrix.variants.last ?? .avx2) {
        #if arch(x86_64)
        precondition(Self.variants.contains(variant), "the interleaved kernels have no \(variant) build on this processor")
        precondition(matrices.count == outputs.count && !matrices.isEmpty && matrices.allSatisfy { $0.columns == matrices[0].columns })
        let columns = matrices[0].columns
        let quantized = QuantizedVector(capacity: batch * columns)
        quantized.quantize(input, count: batch * columns)
        let totalGroups = matrices.reduce(0) { $0 + $1.rows / 8 }
        let workers = max(1, min(threads, totalGroups / 8))
        let outputAddresses = outputs.map { UInt(bitPattern: $0) }
        let body: @Sendable (Int) -> Void = { worker in
            for (matrix, address) in zip(matrices, outputAddresses) {
                // Output addresses cross into the workers as integers: each worker writes disjoint rows.
                let output = UnsafeMutablePointer<Float>(bitPattern: address)!
                let groups = matrix.rows / 8, chunk = (groups + workers - 1) / workers
                let start = worker * chunk, end = min(groups, start + chunk)
                guard start < end else { continue }
                matrix.rows(start..<end, quantized, batch: batch, output: output, variant: variant)
            }
        }
        WorkerPool.shared(threads: threads).run(parts: workers, body)
        #endif
    }

    #if arch(x86_64)
    /// Row groups `groups` of this matrix against the quantized batch, with one kernel build.
    private func rows(_ groups: Range<Int>, _ quantized: QuantizedVector, batch: Int, output: UnsafeMutablePointer<Float>, variant: Variant) {
        switch variant {
        case .avx512VNNI:
            LLMKernelsAVX512.interleavedRowsAVX2(
                LLMKernelsAVX512.InterleavedFormatAVX2(rawValue: kernelFormat.rawValue)!, weights: data, blocks: columns / 32, groups: rows / 8, paired: paired,
                groupStart: groups.lowerBound, groupEnd: groups.upperBound, activations: quantized.codes, activationScales: quantized.scales,
                activationSums: quantized.sums, columns: columns, vectors: batch, output: output, outputStride: rows)
        case .avxVNNI:
            LLMKernelsVNNI.interleavedRowsAVX2(
                LLMKernelsVNNI.InterleavedFormatAVX2(rawValue: kernelFormat.rawValue)!, weights: data, blocks: columns / 32, groups: rows / 8, paired: paired,
                groupStart: groups.lowerBound, groupEnd: groups.upperBound, activations: quantized.codes, activationScales: quantized.scales,
                activationSums: quantized.sums, columns: columns, vectors: batch, output: output, outputStride: rows)
        case .avx2:
            LLMKernelsAVX2.interleavedRowsAVX2(
                kernelFormat, weights: data, blocks: columns / 32, groups: rows / 8, paired: paired,
                groupStart: groups.lowerBound, groupEnd: groups.upperBound, activations: quantized.codes, activationScales: quantized.scales,
                activationSums: quantized.sums, columns: columns, vectors: batch, output: output, outputStride: rows)
        }
    }
    #endif
}
