#if arch(x86_64)
import LLMKernelsAVX2
#endif

/// An f32 vector quantized to 8-bit blocks of 32 (like ggml's Q8_0/Q8_1): x ≈ scale · code.
///
/// The activations of a matmul are quantized once, then every weight row is dotted with the
/// codes in integer arithmetic, as llama.cpp does; this is both the fast path and the way to
/// agree closely with its logits. Buffers are allocated once and reused for each `quantize`.
public final class QuantizedVector: @unchecked Sendable {
    // @unchecked Sendable: `quantize` runs before a matmul hands the vector to its workers, which
    // only read it; the owner never quantizes while a matmul over it is running.
    public let capacity: Int
    /// `capacity` codes in −127…127.
    public let codes: UnsafeMutablePointer<Int8>
    /// `capacity / 32` scales, max|x| / 127 per block.
    public let scales: UnsafeMutablePointer<Float>
    /// `capacity / 32` values, scale · Σ codes per block (for weight formats with an offset).
    public let sums: UnsafeMutablePointer<Float>

    public init(capacity: Int) {
        precondition(capacity % 32 == 0, "quantized vectors hold whole blocks of 32")
        self.capacity = capacity
        codes = .allocate(capacity: capacity)
        scales = .allocate(capacity: capacity / 32)
        sums = .allocate(capacity: capacity / 32)
    }

    deinit {
        codes.deallocate()
        scales.deallocate()
        sums.deallocate()
    }

    /// Quantizes `count` (a multiple of 32, at most `capacity`) floats from `x`. Codes round to
    /// nearest with ties to even, as llama.cpp's AVX2 quantizer does.
    public func quantize(_ x: UnsafePointer<Float>, count: Int, variant: IntegerDot.Variant = IntegerDot.best) {
        precondition(count % 32 == 0 && count <= capacity)
        #if arch(x86_64)
        if variant == .avx2 {
            quantizeBlocksAVX2(x, blocks: count / 32, codes: codes, scales: scales, sums: sums)
            return
        }
        #endif
        for b in 0..<(count / 32) {
            let block = x + 32 * b
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(block[j])) }
            let d = amax / 127
            let inverse: Float = d == 0 ? 0 : 1 / d
            var sum: Int32 = 0
            for j in 0..<32 {
                let code = Int8((block[j] * inverse).rounded(.toNearestOrEven))
                codes[32 * b + j] = code
                sum += Int32(code)
            }
            scales[b] = d
            sums[b] = d * Float(sum)
        }
    }
}
