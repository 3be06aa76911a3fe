// LLMKernelsVNNI compiles this same file (a symbolic link) with `CANDOR_VNNI` defined, where one
// `vpdpbusd` replaces each `maddubs` + `madd` pair, and LLMKernelsAVX512 with `CANDOR_AVX512` as
// well, where every pass takes eight vectors (32 registers); keep it free of anything else
// processor-specific.
#if arch(x86_64)
import _Builtin_intrinsics.intel

/// The ggml formats that can be stored with their rows interleaved by eights.
///
/// Layout: the matrix is cut into groups of 8 consecutive rows; a group has, for each block of
/// 32 columns, one record of ``blockBytes``: the eight rows' f16 scales, Q4_1's eight f16
/// minimums, Q5_0's fifth bits, then the codes. A group's records follow each other; or, in the
/// paired layout that the AVX-512 build needs, groups `2p` and `2p + 1` alternate theirs (block 0
/// of each, then block 1 of each, …; see ``interleavedRecordPlacement``), so that those kernels,
/// which take a pair of groups in each 64-byte register, read one sequential stream as the
/// 256-bit kernels do a group at a time. (Reading the two groups as two streams measured slower
/// than the 256-bit kernels once the weights came from memory.) The codes are arranged so that one 32-byte
/// register holds four consecutive columns of each of the eight rows (byte `4i + t` of register
/// `j` is row `i`, column `4j + t`). A dot product of that register with four activation codes
/// broadcast to every lane (`vpdpbusd`, or `maddubs` + `madd`) then leaves one partial sum per
/// row in each lane, so the scales, the conversion to float and the accumulation are done for
/// eight rows at once instead of one, and no horizontal sum is needed at the end of a row.
/// For the 32-block formats a record is exactly as large as the eight rows' ggml blocks; the
/// K-quants trade some size for records of the same shape.
///
/// - 4-bit formats (Q4_0, Q4_1): 4 registers of packed nibbles; the low nibbles of register `p`
///   are register `j = p`, the high nibbles register `j = p + 4` (byte `4i + t` of register `p` is
///   byte `4p + t` of row `i`'s ggml block, whose low nibble is column `4p + t` and high nibble
///   column `16 + 4p + t`).
/// - Q5_0: the nibbles as above, and 32 bytes of fifth bits: bit `j` of byte `4i + t` belongs to
///   register `j`'s byte `4i + t`.
/// - Q8_0: 8 registers of signed bytes.
/// - Q4_K: the eight rows' f32 scales (d · sub-block scale) and f32 offsets (−dmin · sub-block
///   minimum) for the 32 columns, then nibbles as for Q4_0 (a third larger than ggml's 4.5 bits).
/// - Q6_K: f32 scales of the first and of the second 16 columns (d · scale), then 8 registers of
///   signed codes (q − 32), one byte each (half as large again as ggml's 6.56 bits).
///
/// Unsigned codes (Q4_0 and Q5_0 keep their codes unsigned, 0…15 and 0…31, and carry the
/// subtraction of 8 or 16 as an offset, −8·d or −16·d) meet the activations' signed codes directly;
/// Q8_0's signed codes take `vpsignb` as in the row-at-a-time kernels.
public enum InterleavedFormatAVX2: Int, Sendable, CaseIterable {
    case q4_0, q4_1, q5_0, q8_0, q4_K, q6_K

    /// Bytes of one group's record for one block of 32 columns.
    public var blockBytes: Int {
        switch self {
        case .q4_0: 16 + 128
        case .q4_1: 32 + 128
        case .q5_0: 16 + 32 + 128
        case .q8_0: 16 + 256
        case .q4_K: 32 + 32 + 128
        case .q6_K: 32 + 32 + 256
        }
    }

    /// Bytes of one row's ggml block, and the columns it covers.
    var sourceBlock: (bytes: Int, columns: Int) {
        switch self {
        case .q4_0: (18, 32)
        case .q4_1: (20, 32)
        case .q5_0: (22, 32)
        case .q8_0: (34, 32)
        case .q4_K: (144, 256)
        case .q6_K: (210, 256)
        }
    }
}

/// Where group `group` of `groups` keeps its records: record `b` is at byte `offset + b · stride`
/// of the matrix's copy, whose groups take `groupBytes` each. In the paired layout, groups `2p`
/// and `2p + 1` share the bytes of both, record by record, and a last odd group keeps its own.
@inline(__always)
public func interleavedRecordPlacement(group: Int, groups: Int, paired: Bool, recordBytes: Int, groupBytes: Int) -> (offset: Int, stride: Int) {
    paired && group | 1 < groups
        ? ((group & ~1) &* groupBytes &+ (group & 1) &* recordBytes, 2 &* recordBytes)
        : (group &* groupBytes, recordBytes)
}

/// Copies rows `8·group ..< 8·group + 8` of a ggml matrix (`rowBytes` per row, `blocks` blocks of
/// 32 columns per row) into the interleaved layout: block `b`'s record at `destination + b · recordStride`
/// (see ``interleavedRecordPlacement``).
public func interleaveGroupAVX2(_ format: InterleavedFormatAVX2, source: UnsafeRawPointer, rowBytes: Int, group: Int, blocks: Int, into destination: UnsafeMutableRawPointer, recordStride: Int) {
    @inline(__always) func copy4(_ from: UnsafeRawPointer, _ to: UnsafeMutableRawPointer) {
        to.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
    }
    @inline(__always) func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }
    let (sourceBytes, sourceColumns) = format.sourceBlock
    var codes = [UInt8](repeating: 0, count: 32)
    for b in 0..<blocks {
        let record = destination + b * recordStride
        for i in 0..<8 {
            let row = source + (8 * group + i) * rowBytes
            let block = row + (32 * b / sourceColumns) * sourceBytes
            switch format {
            case .q4_0, .q4_1, .q5_0, .q8_0:
                record.storeBytes(of: block.loadUnaligned(as: UInt16.self), toByteOffset: 2 * i, as: UInt16.self)
            default:
                break
            }
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
            case .q4_K:
                // Sub-block `sub` of the super-block: sub-blocks 2p and 2p + 1 are the low and high
                // nibbles of the same 32 bytes; 6-bit scales and minimums packed as ggml packs them.
                let sub = b % 8, q = (block + 4).assumingMemoryBound(to: UInt8.self)
                let (scale, minimum): (UInt8, UInt8) = sub < 4
                    ? (q[sub] & 63, q[sub + 4] & 63)
                    : ((q[sub + 4] & 0x0F) | ((q[sub - 4] >> 6) << 4), (q[sub + 4] >> 4) | ((q[sub] >> 6) << 4))
                record.storeBytes(of: half(block, 0) * Float(scale), toByteOffset: 4 * i, as: Float.self)
                record.storeBytes(of: -half(block, 2) * Float(minimum), toByteOffset: 32 + 4 * i, as: Float.self)
                let qs = block + 16 + 32 * (sub / 2)
                for k in 0..<32 {
                    let byte = qs.load(fromByteOffset: k, as: UInt8.self)
                    codes[k] = sub % 2 == 0 ? byte & 0x0F : byte >> 4
                }
                for p in 0..<4 {
                    for t in 0..<4 {
                        record.storeBytes(of: codes[4 * p + t] | codes[16 + 4 * p + t] << 4, toByteOffset: 64 + 32 * p + 4 * i + t, as: UInt8.self)
                    }
                }
            case .q6_K:
                // Block b of 32 is group g = b % 4 of half h of the super-block: low 4 bits from
                // ql (low nibbles for g < 2, high for g ≥ 2), high 2 bits from bits 2g of qh.
                let h = (b % 8) / 4, g = b % 4
                let d = half(block, 208), sc = (block + 192).assumingMemoryBound(to: Int8.self)
                record.storeBytes(of: d * Float(sc[8 * h + 2 * g]), toByteOffset: 4 * i, as: Float.self)
                record.storeBytes(of: d * Float(sc[8 * h + 2 * g + 1]), toByteOffset: 32 + 4 * i, as: Float.self)
                for k in 0..<32 {
                    let ql = block.load(fromByteOffset: 64 * h + 32 * (g % 2) + k, as: UInt8.self)
                    let qh = block.load(fromByteOffset: 128 + 32 * h + k, as: UInt8.self)
                    let low = g < 2 ? ql & 0x0F : ql >> 4, high = (qh >> UInt8(2 * g)) & 3
                    let code = Int8(Int(low | high << 4) - 32)
                    record.storeBytes(of: code, toByteOffset: 64 + 32 * (k / 4) + 4 * i + k % 4, as: Int8.self)
                }
            }
        }
    }
}

/// Dots the interleaved row groups `groupStart..<groupEnd` of `groups` (`blocks` blocks of 32 columns
/// each; `paired`: the layout, which the AVX-512 build requires) with `vectors` quantized activation vectors (vector `v` at `activations + v · columns`, its
/// scales and sums at `v · columns / 32`), writing `output[v · outputStride + r]`.
///
/// Four or eight vectors at a time (by format) share each unpacked register; for each vector and block the eight
/// rows' integer sums are scaled, converted and accumulated in one register each.
@inline(never)
public func interleavedRowsAVX2(
    _ format: InterleavedFormatAVX2, weights: UnsafeRawPointer, blocks: Int, groups: Int, paired: Bool, groupStart: Int, groupEnd: Int,
    activations: UnsafePointer<Int8>, activationScales: UnsafePointer<Float>, activationSums: UnsafePointer<Float>,
    columns: Int, vectors: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    #if CANDOR_AVX512
    precondition(paired, "the AVX-512 interleaved kernels need the paired layout")
    #endif
    let job = Job(groupStart: groupStart, groupEnd: groupEnd, weights: weights, blocks: blocks, groups: groups, paired: paired, codes: activations,
                  scales: activationScales, sums: activationSums, columns: columns, vectors: vectors, output: output, stride: outputStride)
    switch format {
    case .q4_0: rowsQ4_0(job)
    case .q4_1: rowsQ4_1(job)
    case .q5_0: rowsQ5_0(job)
    case .q8_0: rowsQ8_0(job)
    case .q4_K: rowsQ4_K(job)
    case .q6_K: rowsQ6_K(job)
    }
}

// One function per format, each never inlined into the dispatch above, so that each gets its own
// copy of `run` with its unpacking closures inlined. (With all six in one function the optimizer
// left some copies generic, calling the unpacking closure for every register: Qwen decoded at two
// thirds of its speed.)
//
// Passes of four vectors where a block is cheap to unpack, eight where unpacking costs more than
// keeping eight accumulators (Q5_0's fifth bits); measured with callgrind and in bench/engine.
// With AVX-512's 32 registers eight vectors fit without spilling: always eight.
#if CANDOR_AVX512
private let cheapPass = 8
#else
private let cheapPass = 4
#endif

@inline(never) private func rowsQ4_0(_ job: Job) {
    @inline(never) func eights(_ job: Job) {
        run(job, recordBytes: InterleavedFormatAVX2.q4_0.blockBytes, pass: cheapPass, signed: false, scales: { halves($0) },
            offsets: { _, scales in _mm256_mul_ps(scales, _mm256_set1_ps(-8)) }) { record, j in nibbles(record + 16, j) }
    }
    #if CANDOR_AVX512
    runPairs(job, recordBytes: InterleavedFormatAVX2.q4_0.blockBytes, scales: { halves($0, $1) },
             offsets: { _, _, scales in _mm512_mul_ps(scales, _mm512_set1_ps(-8)) }, others: eights) { a, b, j in nibbles(a + 16, b + 16, j) }
    #else
    eights(job)
    #endif
}

@inline(never) private func rowsQ4_1(_ job: Job) {
    @inline(never) func eights(_ job: Job) {
        run(job, recordBytes: InterleavedFormatAVX2.q4_1.blockBytes, pass: cheapPass, signed: false, scales: { halves($0) },
            offsets: { record, _ in halves(record + 16) }) { record, j in nibbles(record + 32, j) }
    }
    #if CANDOR_AVX512
    runPairs(job, recordBytes: InterleavedFormatAVX2.q4_1.blockBytes, scales: { halves($0, $1) },
             offsets: { a, b, _ in halves(a + 16, b + 16) }, others: eights) { a, b, j in nibbles(a + 32, b + 32, j) }
    #else
    eights(job)
    #endif
}

@inline(never) private func rowsQ5_0(_ job: Job) {
    @inline(never) func eights(_ job: Job) {
        run(job, recordBytes: InterleavedFormatAVX2.q5_0.blockBytes, pass: 8, signed: false, scales: { halves($0) },
            offsets: { _, scales in _mm256_mul_ps(scales, _mm256_set1_ps(-16)) }) { record, j in fiveBits(record, j) }
    }
    #if CANDOR_AVX512
    runPairs(job, recordBytes: InterleavedFormatAVX2.q5_0.blockBytes, scales: { halves($0, $1) },
             offsets: { _, _, scales in _mm512_mul_ps(scales, _mm512_set1_ps(-16)) }, others: eights) { a, b, j in fiveBits(a, b, j) }
    #else
    eights(job)
    #endif
}

/// Register `j` of a Q5_0 record: the nibbles, plus 16 where bit `j` of the fifth-bits byte is set.
/// Branch-free, with no shift by `j`, because `j` is not always a constant where this is inlined.
@inline(__always) private func fiveBits(_ record: UnsafeRawPointer, _ j: Int) -> __m256i {
    let bit = _mm256_and_si256(load256(record + 16), _mm256_set1_epi8(Int8(bitPattern: UInt8(truncatingIfNeeded: 1 &<< j))))
    let clear = _mm256_cmpeq_epi8(bit, _mm256_setzero_si256())
    return _mm256_or_si256(nibbles(record + 48, j), _mm256_andnot_si256(clear, _mm256_set1_epi8(16)))
}

@inline(never) private func rowsQ8_0(_ job: Job) {
    #if CANDOR_AVX512
    runPairs(job, recordBytes: InterleavedFormatAVX2.q8_0.blockBytes, scales: { halves($0, $1) },
             offsets: { _, _, scales in _mm512_mul_ps(scales, _mm512_set1_ps(-128)) }, others: rowsQ8_0Eights) { a, b, j in
        _mm512_xor_si512(pair(a + 16 + 32 * j, b + 16 + 32 * j), _mm512_set1_epi8(-128))
    }
    #else
    rowsQ8_0Eights(job)
    #endif
}

@inline(never) private func rowsQ8_0Eights(_ job: Job) {
    #if CANDOR_VNNI
    // vpdpbusd sums u8 × s8 into 32 bits with no 16-bit stage, so the codes can be made unsigned
    // (q + 128, one xor per register for all vectors) with −128·d as the offset: no vpsignb per
    // vector, and with AVX-512 the activation broadcast folds into vpdpbusd. The sums are the
    // same integers; the float result differs from the AVX2 build's by rounding only.
    run(job, recordBytes: InterleavedFormatAVX2.q8_0.blockBytes, pass: cheapPass, signed: false, scales: { halves($0) },
        offsets: { _, scales in _mm256_mul_ps(scales, _mm256_set1_ps(-128)) }) { record, j in
        _mm256_xor_si256(load256(record + 16 + 32 * j), _mm256_set1_epi8(-128))
    }
    #else
    // maddubs would saturate on unsigned codes up to 255 (2 · 255 · 127 > 2¹⁵): keep them signed.
    run(job, recordBytes: InterleavedFormatAVX2.q8_0.blockBytes, pass: cheapPass, signed: true, scales: { halves($0) },
        offsets: nil) { record, j in load256(record + 16 + 32 * j) }
    #endif
}

@inline(never) private func rowsQ4_K(_ job: Job) {
    @inline(never) func eights(_ job: Job) {
        run(job, recordBytes: InterleavedFormatAVX2.q4_K.blockBytes, pass: cheapPass, signed: false, scales: { floats($0) },
            offsets: { record, _ in floats(record + 32) }) { record, j in nibbles(record + 64, j) }
    }
    #if CANDOR_AVX512
    runPairs(job, recordBytes: InterleavedFormatAVX2.q4_K.blockBytes, scales: { _mm512_castsi512_ps(pair($0, $1)) },
             offsets: { a, b, _ in _mm512_castsi512_ps(pair(a + 32, b + 32)) }, others: eights) { a, b, j in nibbles(a + 64, b + 64, j) }
    #else
    eights(job)
    #endif
}

@inline(never) private func rowsQ6_K(_ job: Job) {
    run(job, recordBytes: InterleavedFormatAVX2.q6_K.blockBytes, pass: cheapPass, signed: true, scales: { floats($0) },
        offsets: nil, secondScales: { floats($0 + 32) }) { record, j in load256(record + 64 + 32 * j) }
}

/// Register `j` of packed nibbles at `record`: the low nibbles of packed register `j % 4` for
/// j < 4, the high nibbles for j ≥ 4.
@inline(__always) private func nibbles(_ record: UnsafeRawPointer, _ j: Int) -> __m256i {
    // A shift by 0 or 4 rather than a branch on j (not always a constant where this is inlined).
    let packed = load256(record + 32 &* (j & 3))
    return _mm256_and_si256(_mm256_srl_epi16(packed, _mm_cvtsi32_si128(Int32(truncatingIfNeeded: j & 4))), _mm256_set1_epi8(0x0F))
}

/// Eight f32 values.
@inline(__always) private func floats(_ p: UnsafeRawPointer) -> __m256 {
    _mm256_loadu_ps(p.assumingMemoryBound(to: Float.self))
}

private struct Job {
    var groupStart: Int, groupEnd: Int
    let weights: UnsafeRawPointer, blocks: Int, groups: Int, paired: Bool
    let codes: UnsafePointer<Int8>, scales: UnsafePointer<Float>, sums: UnsafePointer<Float>, columns: Int, vectors: Int
    let output: UnsafeMutablePointer<Float>, stride: Int

    /// The same job for the groups `range` only.
    func groups(_ range: Range<Int>) -> Job {
        var job = self
        (job.groupStart, job.groupEnd) = (range.lowerBound, range.upperBound)
        return job
    }
}

@inline(__always) private func load256(_ p: UnsafeRawPointer) -> __m256i {
    _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self))
}

/// Eight f16 values as f32.
@inline(__always) private func halves(_ p: UnsafeRawPointer) -> __m256 {
    _mm256_cvtph_ps(_mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self)))
}

/// The shared loop. `code(record, j)` is register `j` (columns 4j…4j+3 of the eight rows) of a
/// block's record; `scales(record)` the rows' scales; `offsets(record, scales)`, when the format
/// has one, each row's x-offset (x = scale · code + offset), multiplied by the activation block's
/// scale · Σ codes; `secondScales`, when given, the scales of columns 16…31 (Q6_K's 16-column
/// sub-blocks), `scales` then covering columns 0…15.
@inline(__always)
private func run(
    _ job: Job, recordBytes: Int, pass: Int, signed: Bool, scales: (UnsafeRawPointer) -> __m256,
    offsets: ((UnsafeRawPointer, __m256) -> __m256)?, secondScales: ((UnsafeRawPointer) -> __m256)? = nil,
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
    /// Vectors `first ..< first + n` against group `g`; `n` (1, 2, 4 or 8) is a constant in each inlined copy,
    /// so the tests of `n` leave the loop.
    @inline(__always) func vectors(_ n: Int, _ g: Int, _ first: Int) {
        let (offset, recordStride) = interleavedRecordPlacement(group: g, groups: job.groups, paired: job.paired, recordBytes: recordBytes, groupBytes: job.blocks &* recordBytes)
        let group = job.weights + offset
        let a0 = job.codes + first &* job.columns, rowStride = job.columns
        var acc = (_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps())
        for b in 0..<job.blocks {
            let record = group + b &* recordStride
            let column = a0 + 32 &* b
            let index = first &* perVector &+ b
            /// Dots registers `from ..< to` with each vector and adds them, scaled by `rowScales`, to
            /// the accumulators. The registers are spelled out one by one (`from` and `to` are
            /// constants at each call), so `j` is a constant in each copy: no loop counter, and the
            /// two registers unpacked from one packed load share it.
            @inline(__always) func add(_ from: Int, _ to: Int, _ rowScales: __m256) {
                let zero = _mm256_setzero_si256()
                var s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero
                @inline(__always) func step(_ j: Int) {
                    guard from <= j && j < to else { return }
                    let w = code(record, j), wAbs = signed ? _mm256_abs_epi8(w) : w
                    s0 = dot(s0, w, wAbs, column, j)
                    if n > 1 { s1 = dot(s1, w, wAbs, column + rowStride, j) }
                    if n > 2 { s2 = dot(s2, w, wAbs, column + 2 &* rowStride, j) }
                    if n > 3 { s3 = dot(s3, w, wAbs, column + 3 &* rowStride, j) }
                    if n > 4 { s4 = dot(s4, w, wAbs, column + 4 &* rowStride, j) }
                    if n > 5 { s5 = dot(s5, w, wAbs, column + 5 &* rowStride, j) }
                    if n > 6 { s6 = dot(s6, w, wAbs, column + 6 &* rowStride, j) }
                    if n > 7 { s7 = dot(s7, w, wAbs, column + 7 &* rowStride, j) }
                }
                step(0); step(4); step(1); step(5); step(2); step(6); step(3); step(7)
                @inline(__always) func scaled(_ acc: __m256, _ sum: __m256i, _ v: Int) -> __m256 {
                    _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(rowScales, _mm256_set1_ps(job.scales[index &+ v &* perVector])), acc)
                }
                acc.0 = scaled(acc.0, s0, 0)
                if n > 1 { acc.1 = scaled(acc.1, s1, 1) }
                if n > 2 { acc.2 = scaled(acc.2, s2, 2) }
                if n > 3 { acc.3 = scaled(acc.3, s3, 3) }
                if n > 4 { acc.4 = scaled(acc.4, s4, 4) }
                if n > 5 { acc.5 = scaled(acc.5, s5, 5) }
                if n > 6 { acc.6 = scaled(acc.6, s6, 6) }
                if n > 7 { acc.7 = scaled(acc.7, s7, 7) }
            }
            let rowScales = scales(record)
            if let secondScales {
                add(0, 4, rowScales)
                add(4, 8, secondScales(record))
            } else {
                add(0, 8, rowScales)
            }
            if let offsets {
                let rowOffsets = offsets(record, rowScales)
                @inline(__always) func offset(_ acc: __m256, _ v: Int) -> __m256 {
                    _mm256_fmadd_ps(rowOffsets, _mm256_set1_ps(job.sums[index &+ v &* perVector]), acc)
                }
                acc.0 = offset(acc.0, 0)
                if n > 1 { acc.1 = offset(acc.1, 1) }
                if n > 2 { acc.2 = offset(acc.2, 2) }
                if n > 3 { acc.3 = offset(acc.3, 3) }
                if n > 4 { acc.4 = offset(acc.4, 4) }
                if n > 5 { acc.5 = offset(acc.5, 5) }
                if n > 6 { acc.6 = offset(acc.6, 6) }
                if n > 7 { acc.7 = offset(acc.7, 7) }
            }
        }
        let out = job.output + (first &* job.stride &+ 8 &* g)
        _mm256_storeu_ps(out, acc.0)
        if n > 1 { _mm256_storeu_ps(out + job.stride, acc.1) }
        if n > 2 { _mm256_storeu_ps(out + 2 &* job.stride, acc.2) }
        if n > 3 { _mm256_storeu_ps(out + 3 &* job.stride, acc.3) }
        if n > 4 { _mm256_storeu_ps(out + 4 &* job.stride, acc.4) }
        if n > 5 { _mm256_storeu_ps(out + 5 &* job.stride, acc.5) }
        if n > 6 { _mm256_storeu_ps(out + 6 &* job.stride, acc.6) }
        if n > 7 { _mm256_storeu_ps(out + 7 &* job.stride, acc.7) }
    }
    for g in job.groupStart..<job.groupEnd {
        var first = 0
        while first < job.vectors {
            // Copies for 8, 4, 2 and 1 vectors only (a remainder of 7 takes 4 + 2 + 1): every copy
            // is one more inlined loop, and with too many the optimizer stops inlining them.
            let remaining = job.vectors - first
            if pass == 8 && remaining >= 8 {
                vectors(8, g, first); first += 8
            } else if remaining >= 4 {
                vectors(4, g, first); first += 4
            } else if remaining >= 2 {
                vectors(2, g, first); first += 2
            } else {
                vectors(1, g, first); first += 1
            }
        }
    }
}

#if CANDOR_AVX512
// 512-bit passes over pairs of row groups: one zmm register holds register `j` of group `g`'s
// record (rows 0–7) in its low half and of group `g + 1`'s record for the same block in its high
// half, so each `vpdpbusd` (with the activation broadcast folded in, `{1to16}`) works for sixteen
// rows, and the scaling, conversion and accumulation are done once per sixteen rows. The layout is
// the eight-row one: the pairing costs one `vinserti64x4` per register and block, shared by all the
// vectors of a pass. Q6_K stays on the 256-bit loop: its codes are signed, and AVX-512 has no
// `vpsignb`.

/// 32 bytes at `a` (rows 0–7) and 32 at `b` (rows 8–15) as one register.
@inline(__always) private func pair(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> __m512i {
    _mm512_mask_broadcast_i64x4(_mm512_castsi256_si512(load256(a)), 0xF0, load256(b))
}

/// Eight f16 values at `a` and eight at `b` as sixteen f32.
@inline(__always) private func halves(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> __m512 {
    _mm512_cvtph_ps(_mm256_set_m128i(_mm_loadu_si128(b.assumingMemoryBound(to: __m128i.self)), _mm_loadu_si128(a.assumingMemoryBound(to: __m128i.self))))
}

/// Register `j` of packed nibbles at `a` and `b` (see the 256-bit `nibbles`).
@inline(__always) private func nibbles(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ j: Int) -> __m512i {
    let packed = pair(a + 32 &* (j & 3), b + 32 &* (j & 3))
    return _mm512_and_si512(_mm512_srl_epi16(packed, _mm_cvtsi32_si128(Int32(truncatingIfNeeded: j & 4))), _mm512_set1_epi8(0x0F))
}

/// Register `j` of two Q5_0 records: the nibbles, plus 16 in the bytes whose fifth bit `j` is set.
@inline(__always) private func fiveBits(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ j: Int) -> __m512i {
    let set = _mm512_test_epi8_mask(pair(a + 16, b + 16), _mm512_set1_epi8(Int8(bitPattern: UInt8(truncatingIfNeeded: 1 &<< j))))
    let codes = nibbles(a + 48, b + 48, j)
    return _mm512_mask_add_epi8(codes, set, codes, _mm512_set1_epi8(16))
}

/// The pair loop: the job's pairs of groups (`2p`, `2p + 1`), eight vectors per pass (32
/// registers: eight sums, eight accumulators). A group of the job whose partner is outside it
/// (the job starts at an odd group, or ends with an unpaired one) goes to `others`, the 256-bit
/// loop. The other arguments are as for `run`, for the pair's two records `a` and `b`.
@inline(__always)
private func runPairs(
    _ job: Job, recordBytes: Int, scales: (UnsafeRawPointer, UnsafeRawPointer) -> __m512,
    offsets: ((UnsafeRawPointer, UnsafeRawPointer, __m512) -> __m512)?, others: (Job) -> Void,
    code: (UnsafeRawPointer, UnsafeRawPointer, Int) -> __m512i
) {
    let perVector = job.columns / 32, groupBytes = job.blocks &* recordBytes
    @inline(__always) func dot(_ sum: __m512i, _ w: __m512i, _ activation: UnsafePointer<Int8>, _ j: Int) -> __m512i {
        let x = _mm512_set1_epi32(UnsafeRawPointer(activation).loadUnaligned(fromByteOffset: 4 * j, as: Int32.self))
        return _mm512_mask_dpbusd_epi32(sum, 0xFFFF, w, x)  // an all-ones mask: plain vpdpbusd
    }
    @inline(__always) func vectors(_ n: Int, _ g: Int, _ first: Int) {
        let pair = job.weights + g &* groupBytes  // g is even: the pair's records alternate from here
        let a0 = job.codes + first &* job.columns, rowStride = job.columns
        var acc = (_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                   _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps())
        for b in 0..<job.blocks {
            let a = pair + 2 &* b &* recordBytes, c = a + recordBytes
            let column = a0 + 32 &* b
            let index = first &* perVector &+ b
            let zero = _mm512_setzero_si512()
            var s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero
            @inline(__always) func step(_ j: Int) {
                let w = code(a, c, j)
                s0 = dot(s0, w, column, j)
                if n > 1 { s1 = dot(s1, w, column + rowStride, j) }
                if n > 2 { s2 = dot(s2, w, column + 2 &* rowStride, j) }
                if n > 3 { s3 = dot(s3, w, column + 3 &* rowStride, j) }
                if n > 4 { s4 = dot(s4, w, column + 4 &* rowStride, j) }
                if n > 5 { s5 = dot(s5, w, column + 5 &* rowStride, j) }
                if n > 6 { s6 = dot(s6, w, column + 6 &* rowStride, j) }
                if n > 7 { s7 = dot(s7, w, column + 7 &* rowStride, j) }
            }
            step(0); step(4); step(1); step(5); step(2); step(6); step(3); step(7)
            let rowScales = scales(a, c)
            @inline(__always) func scaled(_ acc: __m512, _ sum: __m512i, _ v: Int) -> __m512 {
                _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(rowScales, _mm512_set1_ps(job.scales[index &+ v &* perVector])), acc)
            }
            acc.0 = scaled(acc.0, s0, 0)
            if n > 1 { acc.1 = scaled(acc.1, s1, 1) }
            if n > 2 { acc.2 = scaled(acc.2, s2, 2) }
            if n > 3 { acc.3 = scaled(acc.3, s3, 3) }
            if n > 4 { acc.4 = scaled(acc.4, s4, 4) }
            if n > 5 { acc.5 = scaled(acc.5, s5, 5) }
            if n > 6 { acc.6 = scaled(acc.6, s6, 6) }
            if n > 7 { acc.7 = scaled(acc.7, s7, 7) }
            if let offsets {
                let rowOffsets = offsets(a, c, rowScales)
                @inline(__always) func offset(_ acc: __m512, _ v: Int) -> __m512 {
                    _mm512_fmadd_ps(rowOffsets, _mm512_set1_ps(job.sums[index &+ v &* perVector]), acc)
                }
                acc.0 = offset(acc.0, 0)
                if n > 1 { acc.1 = offset(acc.1, 1) }
                if n > 2 { acc.2 = offset(acc.2, 2) }
                if n > 3 { acc.3 = offset(acc.3, 3) }
                if n > 4 { acc.4 = offset(acc.4, 4) }
                if n > 5 { acc.5 = offset(acc.5, 5) }
                if n > 6 { acc.6 = offset(acc.6, 6) }
                if n > 7 { acc.7 = offset(acc.7, 7) }
            }
        }
        let out = job.output + (first &* job.stride &+ 8 &* g)
        @inline(__always) func store(_ p: UnsafeMutablePointer<Float>, _ value: __m512) { _mm512_storeu_ps(UnsafeMutableRawPointer(p), value) }
        store(out, acc.0)
        if n > 1 { store(out + job.stride, acc.1) }
        if n > 2 { store(out + 2 &* job.stride, acc.2) }
        if n > 3 { store(out + 3 &* job.stride, acc.3) }
        if n > 4 { store(out + 4 &* job.stride, acc.4) }
        if n > 5 { store(out + 5 &* job.stride, acc.5) }
        if n > 6 { store(out + 6 &* job.stride, acc.6) }
        if n > 7 { store(out + 7 &* job.stride, acc.7) }
    }
    var g = job.groupStart
    if g & 1 == 1 && g < job.groupEnd {
        others(job.groups(g..<g + 1))  // the second of a pair: the pair's first is another job's
        g += 1
    }
    while g + 1 < job.groupEnd {
        var first = 0
        while first < job.vectors {
            let remaining = job.vectors - first
            if remaining >= 8 {
                vectors(8, g, first); first += 8
            } else if remaining >= 4 {
                vectors(4, g, first); first += 4
            } else if remaining >= 2 {
                vectors(2, g, first); first += 2
            } else {
                vectors(1, g, first); first += 1
            }
        }
        g += 2
    }
    if g < job.groupEnd { others(job.groups(g..<job.groupEnd)) }  // a last group of the range
}
#endif
#endif
