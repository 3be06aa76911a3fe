import Dispatch

/// A float32 weight matrix repacked for matrix × matrix products over many input rows (BERT
/// over a whole batch of tokens), where the row-at-a-time ``MatMul`` would reload each input row
/// once per weight row.
///
/// Layout: the `rows` output features are cut into panels of ``panelWidth``; panel `p` holds,
/// for every input column `k`, the 16 weights `W[p·16 + j][k]` contiguously
/// (`panels[p][k][j]`, zero-padded past the last row). A 4 × 16 micro-kernel then keeps eight
/// 8-wide accumulators in registers, streams one panel sequentially and broadcasts four input
/// values per column: 8 fused multiply-adds per 2 vector loads.
public final class PackedMatrix: @unchecked Sendable {
    // @unchecked Sendable: `panels` is written once in init and only read afterwards; it is
    // freed in deinit, when no other reference exists.

    public static let panelWidth = 16
    public let rows: Int
    public let columns: Int
    let panelCount: Int
    let panels: UnsafeMutablePointer<Float>   // [panelCount][columns][16]

    /// Packs `weights` (any format; rows are dequantized once).
    public init(_ weights: WeightMatrix) {
        rows = weights.rows
        columns = weights.columns
        panelCount = (rows + Self.panelWidth - 1) / Self.panelWidth
        panels = .allocate(capacity: panelCount * columns * Self.panelWidth)
        panels.initialize(repeating: 0, count: panelCount * columns * Self.panelWidth)
        let row = UnsafeMutablePointer<Float>.allocate(capacity: columns)
        defer { row.deallocate() }
        for r in 0..<rows {
            weights.dequantizeRow(r, into: row)
            let panel = panels + (r / Self.panelWidth) * columns * Self.panelWidth
            let lane = r % Self.panelWidth
            for k in 0..<columns { panel[k * Self.panelWidth + lane] = row[k] }
        }
    }

    deinit { panels.deallocate() }

    /// `output[m][r] = Σ_k W[r][k] · input[m][k]` for `count` input rows; panels are split across threads.
    /// - Parameters:
    ///   - input: `count × columns` floats, row-major.
    ///   - output: `count × rows` floats, row-major.
    public func multiply(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>, threads: Int) {
        let workers = max(1, min(threads, panelCount))
        let inputAddress = UInt(bitPattern: input), outputAddress = UInt(bitPattern: output)
        let body: @Sendable (Int) -> Void = { worker in
            // Addresses cross into the worker as integers: each worker writes disjoint output columns.
            let input = UnsafePointer<Float>(bitPattern: inputAddress)!
            let output = UnsafeMutablePointer<Float>(bitPattern: outputAddress)!
            var panel = worker
            while panel < self.panelCount {
                self.multiplyPanel(panel, input: input, count: count, output: output)
                panel += workers
            }
        }
        WorkerPool.shared(threads: threads).run(parts: workers, body)
    }

    private func multiplyPanel(_ p: Int, input: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>) {
        let k = columns
        let weights = UnsafeRawPointer(panels + p * k * Self.panelWidth)
        let firstRow = p * Self.panelWidth
        let width = min(Self.panelWidth, rows - firstRow)
        var m = 0
        while m + 4 <= count {
            let x0 = input + m * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k
            var a0 = SIMD8<Float>(), b0 = SIMD8<Float>(), a1 = SIMD8<Float>(), b1 = SIMD8<Float>()
            var a2 = SIMD8<Float>(), b2 = SIMD8<Float>(), a3 = SIMD8<Float>(), b3 = SIMD8<Float>()
            for c in 0..<k {
                let lo = weights.loadUnaligned(fromByteOffset: c * 64, as: SIMD8<Float>.self)
                let hi = weights.loadUnaligned(fromByteOffset: c * 64 + 32, as: SIMD8<Float>.self)
                let v0 = SIMD8(repeating: x0[c]), v1 = SIMD8(repeating: x1[c]), v2 = SIMD8(repeating: x2[c]), v3 = SIMD8(repeating: x3[c])
                a0.addProduct(lo, v0); b0.addProduct(hi, v0)
                a1.addProduct(lo, v1); b1.addProduct(hi, v1)
                a2.addProduct(lo, v2); b2.addProduct(hi, v2)
                a3.addProduct(lo, v3); b3.addProduct(hi, v3)
            }
            store(a0, b0, row: m, firstRow: firstRow, width: width, output: output)
            store(a1, b1, row: m + 1, firstRow: firstRow, width: width, output: output)
            store(a2, b2, row: m + 2, firstRow: firstRow, width: width, output: output)
            store(a3, b3, row: m + 3, firstRow: firstRow, width: width, output: output)
            m += 4
        }
        while m < count {
            let x = input + m * k
            var a = SIMD8<Float>(), b = SIMD8<Float>()
            for c in 0..<k {
                let v = SIMD8(repeating: x[c])
                a.addProduct(weights.loadUnaligned(fromByteOffset: c * 64, as: SIMD8<Float>.self), v)
                b.addProduct(weights.loadUnaligned(fromByteOffset: c * 64 + 32, as: SIMD8<Float>.self), v)
            }
            store(a, b, row: m, firstRow: firstRow, width: width, output: output)
            m += 1
        }
    }

    @inline(__always)
    private func store(_ low: SIMD8<Float>, _ high: SIMD8<Float>, row m: Int, firstRow: Int, width: Int, output: UnsafeMutablePointer<Float>) {
        let target = output + m * rows + firstRow
        if width == Self.panelWidth {
            UnsafeMutableRawPointer(target).storeBytes(of: low, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + 8).storeBytes(of: high, as: SIMD8<Float>.self)
        } else {
            for j in 0..<width { target[j] = j < 8 ? low[j] : high[j - 8] }
        }
    }
}
