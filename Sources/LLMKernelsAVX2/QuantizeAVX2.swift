#if arch(x86_64)
import _Builtin_intrinsics.intel

/// The AVX2 variant of `QuantizedVector.quantize` (LLMKernels/QuantizedVector.swift holds the
/// definition and the portable code): per block of 32 floats, scale = max|x| / 127 and
/// code = x / scale rounded to nearest (ties to even, as llama.cpp's AVX2 quantizer rounds), and
/// the block's scale · Σ codes for formats with offsets.
@inline(never)
public func quantizeBlocksAVX2(
    _ x: UnsafePointer<Float>, blocks: Int,
    codes: UnsafeMutablePointer<Int8>, scales: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>
) {
    let signMask = _mm256_set1_ps(-0.0)
    // After packing, the 32-bit lanes are in the order 0 4 1 5 2 6 3 7; this puts them back.
    let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)
    let ones = _mm256_set1_epi16(1)
    for b in 0..<blocks {
        let p = x + 32 * b
        let v0 = _mm256_loadu_ps(p), v1 = _mm256_loadu_ps(p + 8), v2 = _mm256_loadu_ps(p + 16), v3 = _mm256_loadu_ps(p + 24)
        var m = _mm256_max_ps(_mm256_andnot_ps(signMask, v0), _mm256_andnot_ps(signMask, v1))
        m = _mm256_max_ps(m, _mm256_max_ps(_mm256_andnot_ps(signMask, v2), _mm256_andnot_ps(signMask, v3)))
        var amax: Float = 0
        for lane in 0..<8 { amax = max(amax, m[lane]) }
        let d = amax / 127
        let inverse = _mm256_set1_ps(d == 0 ? 0 : 1 / d)
        let i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, inverse)), i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, inverse))
        let i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, inverse)), i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, inverse))
        let packed = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3)), order)
        _mm256_storeu_si256(UnsafeMutableRawPointer(codes + 32 * b).assumingMemoryBound(to: __m256i.self), packed)
        let pairs = _mm256_madd_epi16(_mm256_add_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3)), ones)
        var sum: Int32 = 0
        for lane in 0..<8 { sum &+= Int32(truncatingIfNeeded: _mm256_extract_epi32_lane(pairs, lane)) }
        scales[b] = d
        sums[b] = d * Float(sum)
    }
}

@inline(__always) private func _mm256_extract_epi32_lane(_ v: __m256i, _ lane: Int) -> Int32 {
    // __m256i is SIMD4<Int64> in Swift: two 32-bit lanes per element.
    let wide = v[lane / 2]
    return Int32(truncatingIfNeeded: lane % 2 == 0 ? wide : wide >> 32)
}
#endif
