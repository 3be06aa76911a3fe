/// A weight row decoded to 8-bit codes for the integer dot product: element i of block b is
/// `scales[2b + i / 16] · codes[32b + i] + offsets[b]`.
///
/// Every quantized format fits this shape: symmetric formats have zero offsets, Q4_1/Q5_1 the
/// block minimum, K-quants the sub-block scale and (negated) minimum, Q6_K a scale per 16.
/// A row is decoded once and dotted with every activation vector of the batch.
public final class IntegerRow {
    public let capacity: Int
    /// `capacity` codes, each in −128…127.
    public let codes: UnsafeMutablePointer<Int8>
    /// `capacity / 16` scales.
    public let scales: UnsafeMutablePointer<Float>
    /// `capacity / 32` offsets.
    public let offsets: UnsafeMutablePointer<Float>

    public init(capacity: Int) {
        precondition(capacity % 32 == 0)
        self.capacity = capacity
        codes = .allocate(capacity: capacity)
        scales = .allocate(capacity: capacity / 16)
        offsets = .allocate(capacity: capacity / 32)
    }

    deinit {
        codes.deallocate()
        scales.deallocate()
        offsets.deallocate()
    }

    /// Whether `format` has an integer decoding (the quantized formats; floats keep the f32 path).
    public static func supports(_ format: WeightFormat) -> Bool {
        switch format {
        case .f32, .f16, .bf16: false
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K: true
        }
    }

    /// Decodes `count` elements of `format` from `source`.
    public func decode(_ format: WeightFormat, from source: UnsafeRawPointer, count: Int) {
        precondition(count <= capacity && Self.supports(format))
        let blocks = count / format.blockSize
        let q = codes, s = scales, o = offsets
        switch format {
        case .q4_0, .q4_1:
            let hasMin = format == .q4_1
            for b in 0..<blocks {
                let block = source + b * format.bytesPerBlock
                let d = Dequantize.half(block, 0)
                let qs = (block + (hasMin ? 4 : 2)).assumingMemoryBound(to: UInt8.self)
                let bias: Int8 = hasMin ? 0 : 8
                let out = q + 32 * b
                for j in 0..<16 {
                    out[j] = Int8(qs[j] & 0x0F) &- bias
                    out[j + 16] = Int8(qs[j] >> 4) &- bias
                }
                s[2 * b] = d
                s[2 * b + 1] = d
                o[b] = hasMin ? Dequantize.half(block, 2) : 0
            }
        case .q5_0, .q5_1:
            let hasMin = format == .q5_1
            let header = hasMin ? 4 : 2
            for b in 0..<blocks {
                let block = source + b * format.bytesPerBlock
                let d = Dequantize.half(block, 0)
                let qh = block.loadUnaligned(fromByteOffset: header, as: UInt32.self)
                let qs = (block + header + 4).assumingMemoryBound(to: UInt8.self)
                let bias: Int8 = hasMin ? 0 : 16
                let out = q + 32 * b
                for j in 0..<16 {
                    let high0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
                    let high1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
                    out[j] = Int8((qs[j] & 0x0F) | high0) &- bias
                    out[j + 16] = Int8((qs[j] >> 4) | high1) &- bias
                }
                s[2 * b] = d
                s[2 * b + 1] = d
                o[b] = hasMin ? Dequantize.half(block, 2) : 0
            }
        case .q8_0:
            for b in 0..<blocks {
                let block = source + b * 34
                let d = Dequantize.half(block, 0)
                (q + 32 * b).update(from: (block + 2).assumingMemoryBound(to: Int8.self), count: 32)
                s[2 * b] = d
                s[2 * b + 1] = d
                o[b] = 0
            }
        case .q4_K, .q5_K:
            let fifth = format == .q5_K
            for b in 0..<blocks {
                let block = source + b * format.bytesPerBlock
                let d = Dequantize.half(block, 0), dmin = Dequantize.half(block, 2)
                let packed = (block + 4).assumingMemoryBound(to: UInt8.self)
                let qh = (block + 16).assumingMemoryBound(to: UInt8.self)
                let low = (block + (fifth ? 48 : 16)).assumingMemoryBound(to: UInt8.self)
                for pair in 0..<4 {
                    let ql = low + 32 * pair
                    let out = q + 256 * b + 64 * pair
                    let u1 = UInt8(1) << (2 * pair), u2 = UInt8(2) << (2 * pair)
                    for l in 0..<32 {
                        out[l] = Int8(ql[l] & 0x0F) &+ (fifth && qh[l] & u1 != 0 ? 16 : 0)
                        out[l + 32] = Int8(ql[l] >> 4) &+ (fifth && qh[l] & u2 != 0 ? 16 : 0)
                    }
                    for half in 0..<2 {
                        let sub = 2 * pair + half
                        let (scale, minimum) = Dequantize.scaleMin(sub, packed)
                        s[16 * b + 2 * sub] = d * scale
                        s[16 * b + 2 * sub + 1] = d * scale
                        o[8 * b + sub] = -dmin * minimum
                    }
                }
            }
        case .q6_K:
            for b in 0..<blocks {
                let block = source + b * 210
                let d = Dequantize.half(block, 208)
                let sc = (block + 192).assumingMemoryBound(to: Int8.self)
                for half in 0..<2 {
                    let ql = (block + 64 * half).assumingMemoryBound(to: UInt8.self)
                    let qh = (block + 128 + 32 * half).assumingMemoryBound(to: UInt8.self)
                    let out = q + 256 * b + 128 * half
                    for l in 0..<32 {
                        out[l] = Int8((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) &- 32
                        out[l + 32] = Int8((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) &- 32
                        out[l + 64] = Int8((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) &- 32
                        out[l + 96] = Int8((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) &- 32
                    }
                }
                for g in 0..<16 { s[16 * b + g] = d * Float(sc[g]) }
                for sub in 0..<8 { o[8 * b + sub] = 0 }
            }
        case .f32, .f16, .bf16:
            preconditionFailure("float formats have no integer decoding")
        }
    }
}
