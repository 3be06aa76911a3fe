import Dispatch

/// Matrix × vectors: `output[b][r] = Σ_c W[r][c] · input[b][c]`.
///
/// The fast path decodes each weight row once into a small per-thread buffer (it stays in L1)
/// and takes its SIMD dot product with every input vector of the batch, so prompt processing
/// and batched decoding reuse each decoded row. Rows are split evenly across threads.
public enum MatMul {
    /// - Parameters:
    ///   - input: `batch × columns` floats, row-major.
    ///   - output: `batch × rows` floats, row-major.
    public static func multiply(_ w: WeightMatrix, input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>, threads: Int) {
        let workers = max(1, min(threads, w.rows / 64))
        let chunk = (w.rows + workers - 1) / workers
        let inputAddress = UInt(bitPattern: input), outputAddress = UInt(bitPattern: output)
        let body: @Sendable (Int) -> Void = { worker in
            // Addresses cross into the worker as integers: each worker writes a disjoint row range.
            let input = UnsafePointer<Float>(bitPattern: inputAddress)!
            let output = UnsafeMutablePointer<Float>(bitPattern: outputAddress)!
            let start = worker * chunk, end = min(w.rows, start + chunk)
            guard start < end else { return }
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: w.columns)
            defer { scratch.deallocate() }
            for row in start..<end {
                w.dequantizeRow(row, into: scratch)
                for b in 0..<batch {
                    output[b * w.rows + row] = Vector.dot(scratch, input + b * w.columns, w.columns)
                }
            }
        }
        if workers == 1 {
            body(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: body)
        }
    }

    /// The scalar reference: one thread, plain loops.
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
