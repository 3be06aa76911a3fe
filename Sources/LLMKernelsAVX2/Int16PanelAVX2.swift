#if arch(x86_64)
import _Builtin_intrinsics.intel

/// The AVX2 micro-kernel of `QuantizedPanelMatrix` (LLMKernels/QuantizedPanelMatrix.swift holds
/// the layout, the portable code and the scalar reference).
///
/// One panel of 16 output rows against `count` input rows: for each column pair the panel holds
/// 16 × 2 weight codes as i16 (rows 0–7, then 8–15), each input row 2 activation codes as i16;
/// `madd` multiplies and adds the pairs into eight i32 lanes per half-panel, so 4 input rows × 16
/// output rows take 8 `madd` + 8 adds per 2 weight loads and 4 broadcasts. The i32 sums are exact;
/// the result is `weightScale[r] · inputScale[m] · sum`.
///
/// LLMKernelsVNNI compiles this same file (a symbolic link) for AVX-VNNI processors, where LLVM
/// turns each `madd` + add into one `vpdpwssd`; keep the source free of anything else
/// processor-specific.
///
/// - Parameters:
///   - panel: `columnPairs × 32` i16 codes.
///   - input: `count` rows of `2 · columnPairs` i16 codes, `inputStride` codes apart.
///   - output: row `m` at `output + m · outputStride`, columns `0 ..< width` (width ≤ 16).
@inline(never)
public func int16PanelAVX2(
    panel: UnsafePointer<Int16>, columnPairs: Int, input: UnsafePointer<Int16>, inputStride: Int, count: Int,
    weightScales: UnsafePointer<Float>, inputScales: UnsafePointer<Float>,
    output: UnsafeMutablePointer<Float>, outputStride: Int, width: Int
) {
    let w = UnsafeRawPointer(panel)
    var sLow = _mm256_setzero_ps(), sHigh = sLow
    for j in 0..<width {
        if j < 8 { sLow[j] = weightScales[j] } else { sHigh[j - 8] = weightScales[j] }
    }

    @inline(__always) func pairAt(_ row: Int, _ c: Int) -> __m256i {
        _mm256_set1_epi32(UnsafeRawPointer(input + row * inputStride).loadUnaligned(fromByteOffset: 4 * c, as: Int32.self))
    }
    @inline(__always) func store(_ low: __m256i, _ high: __m256i, _ m: Int) {
        let scale = _mm256_set1_ps(inputScales[m])
        let lo = _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(low), sLow), scale)
        let hi = _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(high), sHigh), scale)
        let target = output + m * outputStride
        if width == 16 {
            _mm256_storeu_ps(target, lo)
            _mm256_storeu_ps(target + 8, hi)
        } else {
            for j in 0..<width { target[j] = j < 8 ? lo[j] : hi[j - 8] }
        }
    }

    var m = 0
    while m + 4 <= count {
        var a0 = _mm256_setzero_si256(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0
        for c in 0..<columnPairs {
            let lo = _mm256_loadu_si256((w + 64 * c).assumingMemoryBound(to: __m256i.self))
            let hi = _mm256_loadu_si256((w + 64 * c + 32).assumingMemoryBound(to: __m256i.self))
            let x0 = pairAt(m, c), x1 = pairAt(m + 1, c), x2 = pairAt(m + 2, c), x3 = pairAt(m + 3, c)
            a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(lo, x0)); b0 = _mm256_add_epi32(b0, _mm256_madd_epi16(hi, x0))
            a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(lo, x1)); b1 = _mm256_add_epi32(b1, _mm256_madd_epi16(hi, x1))
            a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(lo, x2)); b2 = _mm256_add_epi32(b2, _mm256_madd_epi16(hi, x2))
            a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(lo, x3)); b3 = _mm256_add_epi32(b3, _mm256_madd_epi16(hi, x3))
        }
        store(a0, b0, m)
        store(a1, b1, m + 1)
        store(a2, b2, m + 2)
        store(a3, b3, m + 3)
        m += 4
    }
    while m < count {
        var a = _mm256_setzero_si256(), b = a
        for c in 0..<columnPairs {
            let x = pairAt(m, c)
            a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_loadu_si256((w + 64 * c).assumingMemoryBound(to: __m256i.self)), x))
            b = _mm256_add_epi32(b, _mm256_madd_epi16(_mm256_loadu_si256((w + 64 * c + 32).assumingMemoryBound(to: __m256i.self)), x))
        }
        store(a, b, m)
        m += 1
    }
}
#endif

#if arch(x86_64)
/// The AVX2 variant of `QuantizedPanelMatrix.Input`: each of `count` rows of `columns` floats to
/// i16 codes, scale = max|x| / `limit`, code = x / scale rounded to nearest (ties to even).
@inline(never)
public func quantizeRowsInt16AVX2(
    _ x: UnsafePointer<Float>, count: Int, columns: Int, limit: Float,
    codes: UnsafeMutablePointer<Int16>, stride: Int, scales: UnsafeMutablePointer<Float>
) {
    let signMask = _mm256_set1_ps(-0.0)
    for m in 0..<count {
        let row = x + m * columns
        var vmax = _mm256_setzero_ps()
        var c = 0
        while c + 8 <= columns {
            vmax = _mm256_max_ps(vmax, _mm256_andnot_ps(signMask, _mm256_loadu_ps(row + c)))
            c += 8
        }
        var amax: Float = 0
        for lane in 0..<8 { amax = max(amax, vmax[lane]) }
        for tail in c..<columns { amax = max(amax, abs(row[tail])) }
        let scale = amax / limit
        let inverse: Float = scale == 0 ? 0 : 1 / scale
        scales[m] = scale
        let v = _mm256_set1_ps(inverse)
        let out = codes + m * stride
        c = 0
        while c + 16 <= columns {
            let low = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + c), v))
            let high = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + c + 8), v))
            // packs works within 128-bit lanes: 0-3, 8-11, 4-7, 12-15; the permute restores order.
            let packed = _mm256_permutevar8x32_epi32(_mm256_packs_epi32(low, high), _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7))
            _mm256_storeu_si256(UnsafeMutableRawPointer(out + c).assumingMemoryBound(to: __m256i.self), packed)
            c += 16
        }
        for tail in c..<columns { out[tail] = Int16((row[tail] * inverse).rounded(.toNearestOrEven)) }
    }
}
#endif
