// LLMKernelsVNNI compiles this same file (a symbolic link) with `CANDOR_VNNI` defined, where one
// `vpdpbusd` replaces each `maddubs` + `madd` pair; keep it free of anything else processor-specific.
#if arch(x86_64)
import _Builtin_intrinsics.intel

/// The quantized formats the fused AVX2 kernels read straight from their ggml blocks.
public enum FusedFormatAVX2: Int, Sendable {
    case q4_0, q4_1, q5_0, q8_0, q4_K, q6_K
}

/// Dots weight rows `rowStart..<rowEnd` with `vectors` quantized activation vectors, reading
/// each weight block where it lies: the codes are unpacked in registers and multiplied with the
/// activation codes in integer arithmetic, with no decoded copy of the row in memory (the
/// `IntegerRow` path decodes a row first, which costs a store and a reload per element and
/// dominates single-token decoding). The arithmetic is the integer dot of
/// LLMKernels/IntegerDot.swift: per 32 elements, Σ w·a in i32, scaled by weight scale × activation
/// scale, plus weight offset × activation sum.
///
/// - Parameters:
///   - weights: the first row's blocks; row `r` starts at `weights + r · rowBytes`.
///   - columns: elements per row, a multiple of the format's block size.
///   - activations, activationScales, activationSums: the quantized vectors, vector `v` at
///     `activations + v · columns`, `activationScales + v · columns / 32`, likewise the sums.
///   - output: `output[v · outputStride + r]`.
@inline(never)
public func fusedRowsAVX2(
    _ format: FusedFormatAVX2, weights: UnsafeRawPointer, rowBytes: Int, rowStart: Int, rowEnd: Int, columns: Int,
    activations: UnsafePointer<Int8>, activationScales: UnsafePointer<Float>, activationSums: UnsafePointer<Float>,
    vectors: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    let a = Activations(codes: activations, scales: activationScales, sums: activationSums, columns: columns)
    let rows = Rows(weights: weights, rowBytes: rowBytes, start: rowStart, end: rowEnd, blocks: columns / 32)
    let out = Output(base: output, stride: outputStride)
    switch format {
    case .q4_0: fusedRows(rows, a, vectors, out, signed: true, offsets: false, unpack: unpackQ4_0)
    case .q4_1: fusedRows(rows, a, vectors, out, signed: false, offsets: true, unpack: unpackQ4_1)
    case .q5_0: fusedRows(rows, a, vectors, out, signed: true, offsets: false, unpack: unpackQ5_0)
    case .q8_0: fusedRows(rows, a, vectors, out, signed: true, offsets: false, unpack: unpackQ8_0)
    case .q4_K: fusedRows(rows, a, vectors, out, signed: false, offsets: true, unpack: unpackQ4_K)
    case .q6_K: fusedRows(rows, a, vectors, out, signed: true, offsets: false, unpack: unpackQ6_K)
    }
}

private struct Activations {
    let codes: UnsafePointer<Int8>, scales: UnsafePointer<Float>, sums: UnsafePointer<Float>, columns: Int
}

private struct Rows {
    let weights: UnsafeRawPointer, rowBytes: Int, start: Int, end: Int, blocks: Int
}

private struct Output {
    let base: UnsafeMutablePointer<Float>, stride: Int
}

/// One block of 32 weights: codes (signed or unsigned by format), the scale of each 16 and the
/// block's offset (x = scale · code + offset).
private struct Block32 {
    var codes: __m256i
    var scale0: Float
    var scale1: Float
    var offset: Float

    /// The weight scale of each lane of a ``fusedRows`` dot product (lanes 0–3 cover elements
    /// 0–15, lanes 4–7 elements 16–31).
    @inline(__always) var laneScales: __m256 {
        scale0 == scale1 ? _mm256_set1_ps(scale0) : _mm256_setr_ps(scale0, scale0, scale0, scale0, scale1, scale1, scale1, scale1)
    }
}

/// The shared loop: each block is unpacked once and dotted with up to eight activation vectors
/// at a time, each with its own accumulator in a register.
@inline(__always)
private func fusedRows(
    _ rows: Rows, _ a: Activations, _ vectors: Int, _ out: Output,
    signed: Bool, offsets: Bool, unpack: (UnsafeRawPointer, Int) -> Block32
) {
    @inline(__always) func dot(_ w: __m256i, _ wAbs: __m256i, _ v: Int, _ b: Int) -> __m256 {
        let codes = _mm256_loadu_si256(UnsafeRawPointer(a.codes + v * a.columns + 32 * b).assumingMemoryBound(to: __m256i.self))
        #if CANDOR_VNNI
        // u8 × s8 summed by fours straight into i32 (no i16 stage; the sums are the same, since
        // maddubs never saturates on these codes: |pair| ≤ 2 · 128 · 127 < 2¹⁵).
        let zero = _mm256_setzero_si256()
        let sums = signed ? _mm256_dpbusd_avx_epi32(zero, wAbs, _mm256_sign_epi8(codes, w)) : _mm256_dpbusd_avx_epi32(zero, w, codes)
        return _mm256_cvtepi32_ps(sums)
        #else
        let pairs = signed ? _mm256_maddubs_epi16(wAbs, _mm256_sign_epi8(codes, w)) : _mm256_maddubs_epi16(w, codes)
        return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
        #endif
    }
    if vectors == 1 {
        // Single-token decoding: one accumulator, nothing else live in the loop.
        for r in rows.start..<rows.end {
            let row = rows.weights + r * rows.rowBytes
            var acc = _mm256_setzero_ps()
            var offset: Float = 0
            for b in 0..<rows.blocks {
                let block = unpack(row, b)
                let w = block.codes, wAbs = signed ? _mm256_abs_epi8(w) : w
                let scale = _mm256_mul_ps(block.laneScales, _mm256_set1_ps(a.scales[b]))
                acc = _mm256_fmadd_ps(dot(w, wAbs, 0, b), scale, acc)
                if offsets { offset += block.offset * a.sums[b] }
            }
            out.base[r] = acc.sum() + offset
        }
        return
    }
    for r in rows.start..<rows.end {
        let row = rows.weights + r * rows.rowBytes
        var first = 0
        while first < vectors {
            let n = min(8, vectors - first)
            let s0 = a.scales + first * a.columns / 32, u0 = a.sums + first * a.columns / 32
            let stride = a.columns / 32
            var acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0, acc4 = acc0, acc5 = acc0, acc6 = acc0, acc7 = acc0
            var off0: Float = 0, off1: Float = 0, off2: Float = 0, off3: Float = 0, off4: Float = 0, off5: Float = 0, off6: Float = 0, off7: Float = 0
            for b in 0..<rows.blocks {
                let block = unpack(row, b)
                let w = block.codes, wAbs = signed ? _mm256_abs_epi8(w) : w
                let scale = block.laneScales
                acc0 = _mm256_fmadd_ps(dot(w, wAbs, first, b), _mm256_mul_ps(scale, _mm256_set1_ps(s0[b])), acc0)
                if offsets { off0 += block.offset * u0[b] }
                if n > 1 {
                    acc1 = _mm256_fmadd_ps(dot(w, wAbs, first + 1, b), _mm256_mul_ps(scale, _mm256_set1_ps(s0[stride + b])), acc1)
                    if offsets { off1 += block.offset * u0[stride + b] }
                }
                if n > 2 {
                    acc2 = _mm256_fmadd_ps(dot(w, wAbs, first + 2, b), _mm256_mul_ps(scale, _mm256_set1_ps(s0[2 * stride + b])), acc2)
                    if offsets { off2 += block.offset * u0[2 * stride + b] }
                }
                if n > 3 {
                    acc3 = _mm256_fmadd_ps(dot(w, wAbs, first + 3, b), _mm256_mul_ps(scale, _mm256_set1_ps(s0[3 * stride + b])), acc3)
                    if offsets { off3 += block.offset * u0[3 * stride + b] }
                }
                if n > 4 {
                    acc4 = _mm256_fmadd_ps(dot(w, wAbs, first + 4, b), _mm256_mul_ps(scale, _mm256_set1_ps(s0[4 * stride + b])), acc4)
                    if offsets { off4 += block.offset * u0[4 * stride + b] }
                }
                if n > 5 {
                    acc5 = _mm256_fmadd_ps(dot(w, wAbs, first + 5, b), _mm256_mul_ps(scale, _mm256_set1_ps(s0[5 * stride + b])), acc5)
                    if offsets { off5 += block.offset * u0[5 * stride + b] }
                }
                if n > 6 {
                    acc6 = _mm256_fmadd_ps(dot(w, wAbs, first + 6, b), _mm256_mul_ps(scale, _mm256_set1_ps(s0[6 * stride + b])), acc6)
                    if offsets { off6 += block.offset * u0[6 * stride + b] }
                }
                if n > 7 {
                    acc7 = _mm256_fmadd_ps(dot(w, wAbs, first + 7, b), _mm256_mul_ps(scale, _mm256_set1_ps(s0[7 * stride + b])), acc7)
                    if offsets { off7 += block.offset * u0[7 * stride + b] }
                }
            }
            out.base[first * out.stride + r] = acc0.sum() + off0
            if n > 1 { out.base[(first + 1) * out.stride + r] = acc1.sum() + off1 }
            if n > 2 { out.base[(first + 2) * out.stride + r] = acc2.sum() + off2 }
            if n > 3 { out.base[(first + 3) * out.stride + r] = acc3.sum() + off3 }
            if n > 4 { out.base[(first + 4) * out.stride + r] = acc4.sum() + off4 }
            if n > 5 { out.base[(first + 5) * out.stride + r] = acc5.sum() + off5 }
            if n > 6 { out.base[(first + 6) * out.stride + r] = acc6.sum() + off6 }
            if n > 7 { out.base[(first + 7) * out.stride + r] = acc7.sum() + off7 }
            first += n
        }
    }
}

@inline(__always) private func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
}

@inline(__always) private func load256(_ p: UnsafeRawPointer) -> __m256i {
    _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self))
}

/// 32 nibbles of a 16-byte block as bytes: the low nibbles (elements 0–15), then the high (16–31).
@inline(__always) private func nibbles(_ p: UnsafeRawPointer) -> __m256i {
    let packed = _mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self))
    let both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed)
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F))
}

@inline(__always) private func unpackQ4_0(_ row: UnsafeRawPointer, _ b: Int) -> Block32 {
    let block = row + 18 * b
    let d = half(block, 0)
    return Block32(codes: _mm256_sub_epi8(nibbles(block + 2), _mm256_set1_epi8(8)), scale0: d, scale1: d, offset: 0)
}

@inline(__always) private func unpackQ4_1(_ row: UnsafeRawPointer, _ b: Int) -> Block32 {
    let block = row + 20 * b
    let d = half(block, 0)
    return Block32(codes: nibbles(block + 4), scale0: d, scale1: d, offset: half(block, 2))
}

@inline(__always) private func unpackQ5_0(_ row: UnsafeRawPointer, _ b: Int) -> Block32 {
    let block = row + 22 * b
    // Byte j of the broadcast u32 fifth bits: byte j / 8 of qh, then isolate bit j % 8.
    let spread = _mm256_setr_epi64x(0, 0x0101_0101_0101_0101, 0x0202_0202_0202_0202, 0x0303_0303_0303_0303)
    let qh = Int32(bitPattern: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
    let bits = _mm256_or_si256(_mm256_shuffle_epi8(_mm256_set1_epi32(qh), spread), _mm256_set1_epi64x(0x7FBF_DFEF_F7FB_FDFE))
    let isSet = _mm256_cmpeq_epi8(bits, _mm256_set1_epi64x(-1))
    // q − 16 as a signed byte: the nibble when the fifth bit is set, nibble | 0xF0 otherwise.
    let codes = _mm256_or_si256(nibbles(block + 6), _mm256_andnot_si256(isSet, _mm256_set1_epi8(-16)))
    let d = half(block, 0)
    return Block32(codes: codes, scale0: d, scale1: d, offset: 0)
}

@inline(__always) private func unpackQ8_0(_ row: UnsafeRawPointer, _ b: Int) -> Block32 {
    let block = row + 34 * b
    let d = half(block, 0)
    return Block32(codes: load256(block + 2), scale0: d, scale1: d, offset: 0)
}

/// The 6-bit scale and minimum of sub-block `j` of a Q4_K/Q5_K block (ggml's packing).
@inline(__always) private func scaleMin(_ j: Int, _ q: UnsafePointer<UInt8>) -> (Float, Float) {
    if j < 4 { return (Float(q[j] & 63), Float(q[j + 4] & 63)) }
    return (Float((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4)), Float((q[j + 4] >> 4) | ((q[j] >> 6) << 4)))
}

/// Block `b` of 32 is sub-block `b % 8` of super-block `b / 8`: sub-blocks 2p and 2p + 1 are the
/// low and high nibbles of the same 32 bytes.
@inline(__always) private func unpackQ4_K(_ row: UnsafeRawPointer, _ b: Int) -> Block32 {
    let block = row + 144 * (b / 8), sub = b % 8
    let packed = load256(block + 16 + 32 * (sub / 2))
    let shifted = sub % 2 == 0 ? packed : _mm256_srli_epi16(packed, 4)
    let (scale, minimum) = scaleMin(sub, (block + 4).assumingMemoryBound(to: UInt8.self))
    let d = half(block, 0) * scale
    return Block32(codes: _mm256_and_si256(shifted, _mm256_set1_epi8(0x0F)), scale0: d, scale1: d, offset: -half(block, 2) * minimum)
}

/// Block `b` of 32 is group `g = b % 4` of half `h` of super-block `b / 8`: low 4 bits from
/// `ql[32 · (g % 2)…]` (low nibbles for g < 2, high for g ≥ 2), high 2 bits from bits 2g of `qh`.
@inline(__always) private func unpackQ6_K(_ row: UnsafeRawPointer, _ b: Int) -> Block32 {
    let block = row + 210 * (b / 8), h = (b % 8) / 4, g = b % 4
    let ql = load256(block + 64 * h + 32 * (g % 2))
    let qh = load256(block + 128 + 32 * h)
    let low = _mm256_and_si256(g < 2 ? ql : _mm256_srli_epi16(ql, 4), _mm256_set1_epi8(0x0F))
    let high = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(Int32(2 * g))), _mm256_set1_epi8(3))
    let codes = _mm256_sub_epi8(_mm256_or_si256(low, _mm256_slli_epi16(high, 4)), _mm256_set1_epi8(32))
    let d = half(block, 208)
    let sc = (block + 192).assumingMemoryBound(to: Int8.self)
    return Block32(codes: codes, scale0: d * Float(sc[8 * h + 2 * g]), scale1: d * Float(sc[8 * h + 2 * g + 1]), offset: 0)
}
#endif
