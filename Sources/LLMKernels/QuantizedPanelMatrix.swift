#if arch(x86_64)
import LLMKernelsAVX2
import LLMKernelsVNNI
#endif

/// A float weight matrix quantized for fast matrix × matrix products over many input rows (the
/// BERT encoder's linear layers): weights to 11-bit codes (±1023) with one scale per output row,
/// input rows to 11-bit codes with one scale per row, products summed exactly in 32-bit integers.
///
/// Why this shape: the f32 ``PackedMatrix`` already runs near the processor's fused multiply-add
/// limit, and 16-bit integer multiply-adds (`pmaddwd`, or `vpdpwssd` with AVX-VNNI) do twice the
/// work per instruction. 8-bit weights were tried first and lost too much: per-row scales leave
/// ordinary weights few steps next to a row's largest, and MiniLM's embeddings fell to cosine
/// 0.9965 against the reference; with 11 bits on both sides the lowest is 0.9998.
/// Sums cannot overflow: |pair| ≤ 1023 · 1023 · 2 and at most 1024 pairs per 32-bit lane stay
/// below 2³¹ for rows of up to 2048 columns (checked at init).
///
/// Layout: output rows in panels of 16; panel `p` holds, for each column pair `(2c, 2c + 1)`, the
/// codes `W[16p + j][2c], W[16p + j][2c + 1]` for j = 0…15 as i16 (64 bytes), zero past the
/// last row and the last column.
public final class QuantizedPanelMatrix: @unchecked Sendable {
    // @unchecked Sendable: written once in init, read-only afterwards, freed in deinit.

    public static let panelWidth = 16
    /// Largest weight code and largest activation code: 1023 · 1023 · 2 · 1024 < 2³¹.
    public static let weightLimit: Float = 1023
    public static let inputLimit: Float = 1023
    public static let maxColumns = 2048

    public let rows: Int
    public let columns: Int
    let columnPairs: Int
    let panelCount: Int
    let panels: UnsafeMutablePointer<Int16>   // [panelCount][columnPairs][16][2]
    /// `panelCount · 16` scales (zero past the last row).
    let scales: UnsafeMutablePointer<Float>

    /// Quantizes `weights` (any format; rows are dequantized once).
    public init(_ weights: WeightMatrix) {
        precondition(weights.columns <= Self.maxColumns, "rows of \(weights.columns) columns could overflow 32-bit sums (at most \(Self.maxColumns))")
        rows = weights.rows
        columns = weights.columns
        columnPairs = (columns + 1) / 2
        panelCount = (rows + Self.panelWidth - 1) / Self.panelWidth
        panels = .allocate(capacity: panelCount * columnPairs * 32)
        panels.initialize(repeating: 0, count: panelCount * columnPairs * 32)
        scales = .allocate(capacity: panelCount * Self.panelWidth)
        scales.initialize(repeating: 0, count: panelCount * Self.panelWidth)
        let row = UnsafeMutablePointer<Float>.allocate(capacity: columns)
        defer { row.deallocate() }
        for r in 0..<rows {
            weights.dequantizeRow(r, into: row)
            var amax: Float = 0
            for c in 0..<columns { amax = max(amax, abs(row[c])) }
            let scale = amax / Self.weightLimit
            let inverse: Float = scale == 0 ? 0 : 1 / scale
            scales[r] = scale
            let panel = panels + (r / Self.panelWidth) * columnPairs * 32
            let lane = r % Self.panelWidth
            for c in 0..<columns {
                panel[(c / 2) * 32 + lane * 2 + c % 2] = Int16((row[c] * inverse).rounded(.toNearestOrEven))
            }
        }
    }

    deinit {
        panels.deallocate()
        scales.deallocate()
    }

    /// The decoded weight `W[r][c]` (for tests).
    public func weight(_ r: Int, _ c: Int) -> Float {
        scales[r] * Float(panels[(r / Self.panelWidth) * columnPairs * 32 + (c / 2) * 32 + (r % Self.panelWidth) * 2 + c % 2])
    }

    /// Input rows quantized for ``multiply(_:count:into:threads:variant:)``.
    public final class Input: @unchecked Sendable {
        // @unchecked Sendable: filled by `quantize` before a product, only read during it.
        public let count: Int
        public let stride: Int
        let codes: UnsafeMutablePointer<Int16>
        let scales: UnsafeMutablePointer<Float>

        public init(_ x: UnsafePointer<Float>, count: Int, columns: Int, variant: Variant = QuantizedPanelMatrix.best) {
            self.count = count
            stride = (columns + 1) / 2 * 2
            codes = .allocate(capacity: max(1, count * stride))
            codes.initialize(repeating: 0, count: max(1, count * stride))
            scales = .allocate(capacity: max(1, count))
            #if arch(x86_64)
            if variant != .portable {
                LLMKernelsAVX2.quantizeRowsInt16AVX2(x, count: count, columns: columns, limit: QuantizedPanelMatrix.inputLimit, codes: codes, stride: stride, scales: scales)
                return
            }
            #endif
            for m in 0..<count {
                let row = x + m * columns
                var amax: Float = 0
                for c in 0..<columns { amax = max(amax, abs(row[c])) }
                let scale = amax / QuantizedPanelMatrix.inputLimit
                let inverse: Float = scale == 0 ? 0 : 1 / scale
                scales[m] = scale
                for c in 0..<columns { codes[m * stride + c] = Int16((row[c] * inverse).rounded(.toNearestOrEven)) }
            }
        }

        deinit {
            codes.deallocate()
            scales.deallocate()
        }
    }

    public typealias Variant = CPUFeatures.InstructionSet

    /// The variants this processor can run, slowest first.
    public static var available: [Variant] { CPUFeatures.instructionSets }

    public static let best: Variant = CPUFeatures.instructionSets.last!

    /// `output[m][r] = Σ_c W[r][c] · input[m][c]` for `count` input rows, panels split across threads.
    public func multiply(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>, threads: Int, variant: Variant = best) {
        guard count > 0 else { return }
        let quantized = Input(input, count: count, columns: columns, variant: variant)
        let workers = max(1, min(threads, panelCount))
        let outputAddress = UInt(bitPattern: output)
        WorkerPool.shared(threads: threads).run(parts: workers) { worker in
            let output = UnsafeMutablePointer<Float>(bitPattern: outputAddress)!
            var p = worker
            while p < self.panelCount {
                self.multiplyPanel(p, quantized, output: output, variant: variant)
                p += workers
            }
        }
    }

    private func multiplyPanel(_ p: Int, _ input: Input, output: UnsafeMutablePointer<Float>, variant: Variant) {
        let firstRow = p * Self.panelWidth
        let width = min(Self.panelWidth, rows - firstRow)
        let panel = panels + p * columnPairs * 32
        #if arch(x86_64)
        switch variant {
        case .avx2:
            LLMKernelsAVX2.int16PanelAVX2(panel: panel, columnPairs: columnPairs, input: input.codes, inputStride: input.stride, count: input.count,
                                          weightScales: scales + firstRow, inputScales: input.scales,
                                          output: output + firstRow, outputStride: rows, width: width)
            return
        case .avxVNNI:
            LLMKernelsVNNI.int16PanelAVX2(panel: panel, columnPairs: columnPairs, input: input.codes, inputStride: input.stride, count: input.count,
                                          weightScales: scales + firstRow, inputScales: input.scales,
                                          output: output + firstRow, outputStride: rows, width: width)
            return
        case .portable:
            break
        }
        #endif
        for m in 0..<input.count {
            let x = input.codes + m * input.stride
            for j in 0..<width {
                var sum: Int32 = 0
                for c in 0..<columnPairs {
                    sum &+= Int32(panel[c * 32 + 2 * j]) * Int32(x[2 * c]) + Int32(panel[c * 32 + 2 * j + 1]) * Int32(x[2 * c + 1])
                }
                output[m * rows + firstRow + j] = Float(sum) * scales[firstRow + j] * input.scales[m]
            }
        }
    }
}

/// A weight matrix that multiplies many input rows at once (f32 panels or quantized panels).
public protocol MatrixProduct: Sendable {
    var rows: Int { get }
    var columns: Int { get }
    /// `output[m][r] = Σ_c W[r][c] · input[m][c]` for `count` input rows.
    func multiply(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>, threads: Int)
}

extension PackedMatrix: MatrixProduct {}

extension QuantizedPanelMatrix: MatrixProduct {
    public func multiply(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>, threads: Int) {
        multiply(input, count: count, into: output, threads: threads, variant: Self.best)
    }
}
