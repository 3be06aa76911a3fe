#if arch(x86_64)
import _Builtin_intrinsics.intel

/// The AVX2 variant of `IntegerDot.row` (see LLMKernels/IntegerDot.swift for the definition and
/// the scalar reference). It lives in its own target because it is compiled with `-mavx2 -mfma`;
/// LLMKernels calls it only after `CPUFeatures` has confirmed AVX2 and FMA.
///
/// Per block of 32: Σ w·a with `maddubs(|w|, sign(a, w))` (u8 × s8 → pairs of i16, at most
/// 2·128·127 = 32512, no saturation), `madd` by ones → 8 × i32 (lanes 0–3 the first 16
/// elements, 4–7 the second), to float, times the per-16 scales, fused into the accumulator.
///
/// - Parameters:
///   - weights: `blocks × 32` signed weight codes.
///   - scales: `blocks × 2` floats, the weight scale of each 16 elements.
///   - offsets: `blocks` floats, the weight offset of each block (x = scale·q + offset).
///   - activations: `blocks × 32` signed activation codes.
///   - activationScales: `blocks` floats.
///   - activationSums: `blocks` floats, scale · Σ codes of each activation block.
@inline(never)
public func integerDotAVX2(
    weights: UnsafePointer<Int8>, scales: UnsafePointer<Float>, offsets: UnsafePointer<Float>,
    activations: UnsafePointer<Int8>, activationScales: UnsafePointer<Float>, activationSums: UnsafePointer<Float>,
    blocks: Int
) -> Float {
    var acc = _mm256_setzero_ps()
    let ones = _mm256_set1_epi16(1)
    var offsetSum: Float = 0
    let w = UnsafeRawPointer(weights), a = UnsafeRawPointer(activations)
    for b in 0..<blocks {
        let vw = _mm256_loadu_si256((w + 32 * b).assumingMemoryBound(to: __m256i.self))
        let va = _mm256_loadu_si256((a + 32 * b).assumingMemoryBound(to: __m256i.self))
        let pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(vw), _mm256_sign_epi8(va, vw))
        let sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, ones))
        let da = activationScales[b]
        let s0 = scales[2 * b] * da, s1 = scales[2 * b + 1] * da
        let scale = _mm256_setr_ps(s0, s0, s0, s0, s1, s1, s1, s1)
        acc = _mm256_fmadd_ps(sums, scale, acc)
        offsetSum += offsets[b] * activationSums[b]
    }
    return acc.sum() + offsetSum  // __m256 is SIMD8<Float> in Swift
}
#endif
