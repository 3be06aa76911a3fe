// LLMKernelsVNNI compiles this same file (a symbolic link) with `CANDOR_VNNI` defined, where one
// `vpdpbusd` replaces each `maddubs` + `madd` pair; keep it free of anything else processor-specific.
#if arch(x86_64)
import _Builtin_intrinsics.intel

/// The ggml formats that can be stored with their rows interleaved by eights.
///
/// Layout: the matrix is cut into groups of 8 consecutive rows; a group stores, for each block
/// of 32 columns in turn, one record of ``blockBytes``: the eight rows' f16 scales, Q4_1's eight
/// f16 minimums, Q5_0's fifth bits, then the codes. The codes are arranged so that one 32-byte
/// register holds four consecutive columns of each of the eight rows (byte `4i + t` of register
/// `j` is row `i`, column `4j + t`). A dot product of that register with four activation codes
/// broadcast to every lane (`vpdpbusd`, or `maddubs` + `madd`) then leaves one partial sum per
/// row in each lane, so the scales, the conversion to float and the accumulation are done for
/// eight rows at once instead of one, and no horizontal sum is needed at the end of a row.
/// A record is exactly as large as the eight rows' ggml blocks: the interleaved copy costs no
/// memory beyond the original.
///
/// - 4-bit formats (Q4_0, Q4_1): 4 registers of packed nibbles; the low nibbles of register `p`
///   are register `j = p`, the high nibbles register `j = p + 4` (byte `4i + t` of register `p` is
///   byte `4p + t` of row `i`'s ggml block, whose low nibble is column `4p + t` and high nibble
///   column `16 + 4p + t`).
/// - Q5_0: the nibbles as above, and 32 bytes of fifth bits: bit `j` of byte `4i + t` belongs to
///   register `j`'s byte `4i + t`.
/// - Q8_0: 8 registers of signed bytes.
///
/// Unsigned codes (Q4_0 and Q5_0 keep their codes unsigned, 0…15 and 0…31, and carry the
/// subtraction of 8 or 16 as an offset, −8·d or −16·d) meet the activations' signed codes directly;
/// Q8_0's signed codes take `vpsignb` as in the row-at-a-time kernels.
public enum InterleavedFormatAVX2: Int, Sendable, CaseIterable {
    case q4_0, q4_1, q5_0, q8_0

    /// Bytes of one group's record for one block of 32 columns (eight ggml blocks' worth).
    public var blockBytes: Int {
        switch self {
        case .q4_0: 16 + 128
        case .q4_1: 32 + 128
        case .q5_0: 16 + 32 + 128
        case .q8_0: 16 + 256
        }
    }

    /// Bytes of one row's block of 32 in the ggml layout.
    var sourceBlockBytes: Int {
        switch self {
        case .q4_0: 18
        case .q4_1: 20
        case .q5_0: 22
        case .q8_0: 34
        }
    }
}

/// Copies rows `8·group ..< 8·group + 8` of a ggml matrix (`rowBytes` per row, `blocks` blocks of
/// 32 per row) into the interleaved layout at `destination` (`blocks · format.blockBytes` bytes).
public func interleaveGroupAVX2(_ format: InterleavedFormatAVX2, source: UnsafeRawPointer, rowBytes: Int, group: Int, blocks: Int, into destination: UnsafeMutableRawPointer) {
    @inline(__always) func copy4(_ from: UnsafeRawPointer, _ to: UnsafeMutableRawPointer) {
        to.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
    }
    for b in 0..<blocks {
        let record = destination + b * format.blockBytes
        for i in 0..<8 {
            let block = source + (8 * group + i) * rowBytes + b * format.sourceBlockBytes
            record.storeBytes(of: block.loadUnaligned(as: UInt16.self), toByteOffset: 2 * i, as: UInt16.self)
            switch format {
            case .q4_0:
                for p in 0..<4 { copy4(block + 2 + 4 * p, record + 16 + 32 * p + 4 * i) }
            case .q4_1:
                record.storeBytes(of: block.loadUnaligned(fromByteOffset: 2, as: UInt16.self), toByteOffset: 16 + 2 * i, as: UInt16.self)
                for p in 0..<4 { copy4(block + 4 + 4 * p, record + 32 + 32 * p + 4 * i) }
            case .q5_0:
                let qh = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
                for t in 0..<4 {
                    var bits: UInt8 = 0
                    for j in 0..<8 { bits |= UInt8((qh >> UInt32(4 * j + t)) & 1) << UInt8(j) }
                    record.storeBytes(of: bits, toByteOffset: 16 + 4 * i + t, as: UInt8.self)
                }
                for p in 0..<4 { copy4(block + 6 + 4 * p, record + 48 + 32 * p + 4 * i) }
            case .q8_0:
                for j in 0..<8 { copy4(block + 2 + 4 * j, record + 16 + 32 * j + 4 * i) }
            }
        }
    }
}

/// Dots the interleaved row groups `groupStart..<groupEnd` (`blocks` blocks of 32 columns each)
/// with `vectors` quantized activation vectors (vector `v` at `activations + v · columns`, its
/// scales and sums at `v · columns / 32`), writing `output[v · outputStride + r]`.
///
/// Four vectors at a time share each unpacked register; for each vector and block the eight
/// rows' integer sums are scaled, converted and accumulated in one register each.
@inline(never)
public func interleavedRowsAVX2(
    _ format: InterleavedFormatAVX2, weights: UnsafeRawPointer, blocks: Int, groupStart: Int, groupEnd: Int,
    activations: UnsafePointer<Int8>, activationScales: UnsafePointer<Float>, activationSums: UnsafePointer<Float>,
    columns: Int, vectors: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    let job = Job(weights: weights, blocks: blocks, groupStart: groupStart, groupEnd: groupEnd, codes: activations,
                  scales: activationScales, sums: activationSums, columns: columns, vectors: vectors, output: output, stride: outputStride)
    let low = _mm256_set1_epi8(0x0F)
    switch format {
    case .q4_0:
        run(job, recordBytes: format.blockBytes, signed: false, offsets: { _, scales in _mm256_mul_ps(scales, _mm256_set1_ps(-8)) }) { record, j in
            let packed = load256(record + 16 + 32 * (j & 3))
            return _mm256_and_si256(j < 4 ? packed : _mm256_srli_epi16(packed, 4), low)
        }
    case .q4_1:
        run(job, recordBytes: format.blockBytes, signed: false, offsets: { record, _ in halves(record + 16) }) { record, j in
            let packed = load256(record + 32 + 32 * (j & 3))
            return _mm256_and_si256(j < 4 ? packed : _mm256_srli_epi16(packed, 4), low)
        }
    case .q5_0:
        run(job, recordBytes: format.blockBytes, signed: false, offsets: { _, scales in _mm256_mul_ps(scales, _mm256_set1_ps(-16)) }) { record, j in
            let packed = load256(record + 48 + 32 * (j & 3))
            let nibble = _mm256_and_si256(j < 4 ? packed : _mm256_srli_epi16(packed, 4), low)
            // Bit j of each byte, moved to bit 4 (the shifts stay inside each byte: only bit j is set).
            let bit = _mm256_and_si256(load256(record + 16), _mm256_set1_epi8(Int8(bitPattern: UInt8(1 << j))))
            let fifth = j < 4 ? _mm256_slli_epi16(bit, Int32(4 - j)) : _mm256_srli_epi16(bit, Int32(j - 4))
            return _mm256_or_si256(nibble, fifth)
        }
    case .q8_0:
        run(job, recordBytes: format.blockBytes, signed: true, offsets: nil) { record, j in load256(record + 16 + 32 * j) }
    }
}

private struct Job {
    let weights: UnsafeRawPointer, blocks: Int, groupStart: Int, groupEnd: Int
    let codes: UnsafePointer<Int8>, scales: UnsafePointer<Float>, sums: UnsafePointer<Float>, columns: Int, vectors: Int
    let output: UnsafeMutablePointer<Float>, stride: Int
}

@inline(__always) private func load256(_ p: UnsafeRawPointer) -> __m256i {
    _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self))
}

/// Eight f16 values as f32.
@inline(__always) private func halves(_ p: UnsafeRawPointer) -> __m256 {
    _mm256_cvtph_ps(_mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self)))
}

/// The shared loop. `code(record, j)` is register `j` (columns 4j…4j+3 of the eight rows) of a
/// block's record; `offsets(record, scales)`, when the format has one, is each row's x-offset
/// (x = scale · code + offset), multiplied by the activation block's scale · Σ codes.
@inline(__always)
private func run(
    _ job: Job, recordBytes: Int, signed: Bool, offsets: ((UnsafeRawPointer, __m256) -> __m256)?,
    code: (UnsafeRawPointer, Int) -> __m256i
) {
    let perVector = job.columns / 32
    @inline(__always) func dot(_ sum: __m256i, _ w: __m256i, _ wAbs: __m256i, _ activation: UnsafePointer<Int8>, _ j: Int) -> __m256i {
        let x = _mm256_set1_epi32(UnsafeRawPointer(activation).loadUnaligned(fromByteOffset: 4 * j, as: Int32.self))
        #if CANDOR_VNNI
        return signed ? _mm256_dpbusd_avx_epi32(sum, wAbs, _mm256_sign_epi8(x, w)) : _mm256_dpbusd_avx_epi32(sum, w, x)
        #else
        let pairs = signed ? _mm256_maddubs_epi16(wAbs, _mm256_sign_epi8(x, w)) : _mm256_maddubs_epi16(w, x)
        return _mm256_add_epi32(sum, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
        #endif
    }
    @inline(__always) func accumulate(_ acc: __m256, _ sum: __m256i, _ scales: __m256, _ rowOffsets: __m256, _ index: Int) -> __m256 {
        let scaled = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(scales, _mm256_set1_ps(job.scales[index])), acc)
        return offsets == nil ? scaled : _mm256_fmadd_ps(rowOffsets, _mm256_set1_ps(job.sums[index]), scaled)
    }
    /// Vectors `first ..< first + n` against group `g`; `n` (1…4) is a constant in each inlined copy,
    /// so the tests of `n` leave the loop.
    @inline(__always) func vectors(_ n: Int, _ g: Int, _ first: Int) {
        let group = job.weights + g &* job.blocks &* recordBytes
        let a0 = job.codes + first &* job.columns, a1 = a0 + job.columns, a2 = a1 + job.columns, a3 = a2 + job.columns
        var acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0
        for b in 0..<job.blocks {
            let record = group + b &* recordBytes
            let scales = halves(record)
            let rowOffsets = offsets?(record, scales) ?? scales
            var s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0
            let column = 32 &* b
            for j in 0..<8 {
                let w = code(record, j), wAbs = signed ? _mm256_abs_epi8(w) : w
                s0 = dot(s0, w, wAbs, a0 + column, j)
                if n > 1 { s1 = dot(s1, w, wAbs, a1 + column, j) }
                if n > 2 { s2 = dot(s2, w, wAbs, a2 + column, j) }
                if n > 3 { s3 = dot(s3, w, wAbs, a3 + column, j) }
            }
            let index = first &* perVector &+ b
            acc0 = accumulate(acc0, s0, scales, rowOffsets, index)
            if n > 1 { acc1 = accumulate(acc1, s1, scales, rowOffsets, index &+ perVector) }
            if n > 2 { acc2 = accumulate(acc2, s2, scales, rowOffsets, index &+ 2 &* perVector) }
            if n > 3 { acc3 = accumulate(acc3, s3, scales, rowOffsets, index &+ 3 &* perVector) }
        }
        let out = job.output + (first &* job.stride &+ 8 &* g)
        _mm256_storeu_ps(out, acc0)
        if n > 1 { _mm256_storeu_ps(out + job.stride, acc1) }
        if n > 2 { _mm256_storeu_ps(out + 2 &* job.stride, acc2) }
        if n > 3 { _mm256_storeu_ps(out + 3 &* job.stride, acc3) }
    }
    for g in job.groupStart..<job.groupEnd {
        var first = 0
        while first < job.vectors {
            switch job.vectors - first {
            case 1: vectors(1, g, first); first += 1
            case 2: vectors(2, g, first); first += 2
            case 3: vectors(3, g, first); first += 3
            default: vectors(4, g, first); first += 4
            }
        }
    }
}
#endif
