import LLMKernels
import Testing

@Suite("Packed float32 matrix × matrix against the scalar reference")
struct PackedMatrixTests {
    @Test("random shapes (rows not a multiple of 16, input rows not a multiple of 4), 1 and 2 threads",
          arguments: [(37, 24, 1), (16, 384, 7), (50, 100, 4), (1, 33, 9), (384, 384, 13)])
    func matchesReference(rows: Int, columns: Int, count: Int) {
        var state: UInt64 = UInt64(rows * 1_000_003 + columns * 101 + count)
        func random() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        let weights = (0..<(rows * columns)).map { _ in random() }
        let input = (0..<(count * columns)).map { _ in random() }
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
