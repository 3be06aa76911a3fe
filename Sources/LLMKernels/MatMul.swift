import Dispatch
import Foundation
#if arch(x86_64)
import LLMKernelsAVX2
import LLMKernelsVNNI
#endif

/// Matrix × vectors: `output[b][r] = Σ_c W[r][c] · input[b][c]`.
///
/// Quantized weights take the integer path: the batch of activations is quantized once to 8-bit
/// blocks (`QuantizedVector`) and dotted with the weights in integer arithmetic, as llama.cpp
/// does. With AVX2 the common formats are read in place by fused kernels (`fusedRowsAVX2`: each
/// block unpacked in registers and dotted with up to eight vectors at a time); otherwise each
/// row is decoded once to 8-bit codes (`IntegerRow`) and dotted with every vector of the batch
/// (`IntegerDot`). Float weights decode each row to f32 and take SIMD dot products. Rows are
/// split evenly across the threads of a `WorkerPool`.
///
/// The engine's linear layers usually take neither: with AVX2 they are interleaved by eight rows
/// at load (``InterleavedMatrix``), which is faster at every batch size. This row-at-a-time path
/// serves the formats and shapes that are not interleaved, and `CANDOR_INTERLEAVE=0`.
public enum MatMul {
    /// Whether quantized weights take the integer path. `CANDOR_KERNELS=f32` selects the f32
    /// dequantize-and-dot path instead, so a benchmark can compare both in the same build.
    public static let integerPath = ProcessInfo.processInfo.environment["CANDOR_KERNELS"] != "f32"

    /// How quantized rows are multiplied: decoded once per batch (`IntegerRow`, every processor),
    /// or read in place by the fused kernels compiled for AVX2 or for AVX-VNNI.
    public enum Kernel: Sendable, CaseIterable { case decodedRows, fusedAVX2, fusedVNNI }

    /// The kernels this processor can run, slowest first: one per instruction set.
    public static let availableKernels: [Kernel] = CPUFeatures.instructionSets.map {
        switch $0 {
        case .portable: .decodedRows
        case .avx2: .fusedAVX2
        case .avxVNNI: .fusedVNNI
        }
    }

    public static let bestKernel: Kernel = availableKernels.last!

    /// - Parameters:
    ///   - input: `batch × columns` floats, row-major.
    ///   - output: `batch × rows` floats, row-major.
    ///   - kernel: one of ``availableKernels``.
    public static func multiply(_ w: WeightMatrix, input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>, threads: Int, kernel: Kernel = bestKernel) {
        let workers = max(1, min(threads, w.rows / 64))
        let chunk = (w.rows + workers - 1) / workers
        let inputAddress = UInt(bitPattern: input), outputAddress = UInt(bitPattern: output)
        let quantized: QuantizedVector?
        if integerPath && IntegerRow.supports(w.format) && w.columns % 32 == 0 {
            let vector = QuantizedVector(capacity: batch * w.columns)
            vector.quantize(input, count: batch * w.columns)
            quantized = vector
        } else {
            quantized = nil
        }
        let fused = quantized == nil || kernel == .decodedRows ? nil : fusedFormat(w.format)
        let body: @Sendable (Int) -> Void = { worker in
            // Addresses cross into the worker as integers: each worker writes a disjoint row range.
            let input = UnsafePointer<Float>(bitPattern: inputAddress)!
            let output = UnsafeMutablePointer<Float>(bitPattern: outputAddress)!
            let start = worker * chunk, end = min(w.rows, start + chunk)
            guard start < end else { return }
            if let quantized, let fused {
                #if arch(x86_64)
                if kernel == .fusedVNNI {
                    LLMKernelsVNNI.fusedRowsAVX2(LLMKernelsVNNI.FusedFormatAVX2(rawValue: fused.rawValue)!, weights: w.data, rowBytes: w.rowBytes,
                                                 rowStart: start, rowEnd: end, columns: w.columns, activations: quantized.codes,
                                                 activationScales: quantized.scales, activationSums: quantized.sums,
                                                 vectors: batch, output: output, outputStride: w.rows)
                } else {
                    LLMKernelsAVX2.fusedRowsAVX2(fused, weights: w.data, rowBytes: w.rowBytes, rowStart: start, rowEnd: end, columns: w.columns,
                                                 activations: quantized.codes, activationScales: quantized.scales, activationSums: quantized.sums,
                                                 vectors: batch, output: output, outputStride: w.rows)
                }
                #endif
                return
            }
            if let quantized {
                let row = IntegerRow(capacity: w.columns)
                let variant = IntegerDot.best
                for r in start..<end {
                    row.decode(w.format, from: w.data + r * w.rowBytes, count: w.columns)
                    for b in 0..<batch {
                        output[b * w.rows + r] = IntegerDot.row(row, quantized, offset: b * w.columns, count: w.columns, variant: variant)
                    }
                }
                return
            }
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: w.columns)
            defer { scratch.deallocate() }
            for row in start..<end {
                w.dequantizeRow(row, into: scratch)
                for b in 0..<batch {
                    output[b * w.rows + row] = Vector.dot(scratch, input + b * w.columns, w.columns)
                }
            }
        }
        WorkerPool.shared(threads: threads).run(parts: workers, body)
    }

    #if arch(x86_64)
    typealias FusedFormat = LLMKernelsAVX2.FusedFormatAVX2
    #else
    typealias FusedFormat = Never
    #endif

    /// The fused kernels' name for `format`, when they read it. On the development machine
    /// (bench/engine, SmolLM2) they beat decoding each row once per batch at every batch size
    /// measured: 1.8× for single tokens, 1.3× for 8 sequences, 1.1× for a 128-token prompt.
    static func fusedFormat(_ format: WeightFormat) -> FusedFormat? {
        #if arch(x86_64)
        switch format {
        case .q4_0: return .q4_0
        case .q4_1: return .q4_1
        case .q5_0: return .q5_0
        case .q8_0: return .q8_0
        case .q4_K: return .q4_K
        case .q6_K: return .q6_K
        default: return nil
        }
        #else
        return nil
        #endif
    }

    /// The scalar reference: one thread, plain loops, f32 weights and activations.
    public static func reference(_ w: WeightMatrix, input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>) {
        let row = UnsafeMutablePointer<Float>.allocate(capacity: w.columns)
        defer { row.deallocate() }
        for r in 0..<w.rows {
            w.dequantizeRow(r, into: row)
            for b in 0..<batch {
                var sum: Double = 0
                for c in 0..<w.columns { sum += Double(row[c]) * Double(input[b * w.columns + c]) }
                output[b * w.rows + r] = Float(sum)
            }
        }
    }
}
