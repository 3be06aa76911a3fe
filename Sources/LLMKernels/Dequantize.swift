/// Scalar reference dequantization: the definition every faster path is tested against.
public enum Dequantize {
    /// Writes `count` floats decoded from `source` (which holds `count / blockSize` blocks).
    public static func row(_ format: WeightFormat, from source: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
        let blocks = count / format.blockSize
        switch format {
        case .f32:
            output.update(from: source.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            for i in 0..<count { output[i] = half(source, 2 * i) }
        case .bf16:
            for i in 0..<count { output[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
        case .q4_0:
            for b in 0..<blocks { q4_0(source + b * 18, output + b * 32) }
        case .q4_1:
            for b in 0..<blocks { q4_1(source + b * 20, output + b * 32) }
        case .q5_0:
            for b in 0..<blocks { q5(source + b * 22, output + b * 32, hasMin: false) }
        case .q5_1:
            for b in 0..<blocks { q5(source + b * 24, output + b * 32, hasMin: true) }
        case .q8_0:
            for b in 0..<blocks { q8_0(source + b * 34, output + b * 32) }
        case .q4_K:
            for b in 0..<blocks { q4_K(source + b * 144, output + b * 256) }
        case .q5_K:
            for b in 0..<blocks { q5_K(source + b * 176, output + b * 256) }
        case .q6_K:
            for b in 0..<blocks { q6_K(source + b * 210, output + b * 256) }
        }
    }

    @inline(__always) static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    @inline(__always) static func q4_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = Float(Int(qs[j] & 0x0F) - 8) * d
            y[j + 16] = Float(Int(qs[j] >> 4) - 8) * d
        }
    }

    @inline(__always) static func q4_1(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), m = half(block, 2)
        let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = Float(qs[j] & 0x0F) * d + m
            y[j + 16] = Float(qs[j] >> 4) * d + m
        }
    }

    @inline(__always) static func q5(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, hasMin: Bool) {
        let d = half(block, 0)
        let m: Float = hasMin ? half(block, 2) : 0
        let headerBytes = hasMin ? 4 : 2
        let qh = block.loadUnaligned(fromByteOffset: headerBytes, as: UInt32.self)
        let qs = (block + headerBytes + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let high0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
            let high1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
            let q0 = Int((qs[j] & 0x0F) | high0), q1 = Int((qs[j] >> 4) | high1)
            if hasMin {
                y[j] = Float(q0) * d + m
                y[j + 16] = Float(q1) * d + m
            } else {
                y[j] = Float(q0 - 16) * d
                y[j + 16] = Float(q1 - 16) * d
            }
        }
    }

    @inline(__always) static func q8_0(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let qs = (block + 2).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { y[j] = Float(qs[j]) * d }
    }

    /// The 6-bit scale and min of sub-block `j` (0–7) from the 12 packed bytes of a K block.
    @inline(__always) static func scaleMin(_ j: Int, _ q: UnsafePointer<UInt8>) -> (Float, Float) {
        if j < 4 {
            return (Float(q[j] & 63), Float(q[j + 4] & 63))
        }
        let scale = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4)
        let min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4)
        return (Float(scale), Float(min))
    }

    @inline(__always) static func q4_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), dmin = half(block, 2)
        let scales = (block + 4).assumingMemoryBound(to: UInt8.self)
        var q = (block + 16).assumingMemoryBound(to: UInt8.self)
        var out = y
        var subBlock = 0
        for _ in 0..<4 {
            let (s1, m1) = scaleMin(subBlock, scales), (s2, m2) = scaleMin(subBlock + 1, scales)
            let d1 = d * s1, min1 = dmin * m1, d2 = d * s2, min2 = dmin * m2
            for l in 0..<32 { out[l] = d1 * Float(q[l] & 0x0F) - min1 }
            for l in 0..<32 { out[l + 32] = d2 * Float(q[l] >> 4) - min2 }
            q += 32
            out += 64
            subBlock += 2
        }
    }

    @inline(__always) static func q5_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), dmin = half(block, 2)
        let scales = (block + 4).assumingMemoryBound(to: UInt8.self)
        let qh = (block + 16).assumingMemoryBound(to: UInt8.self)
        var ql = (block + 48).assumingMemoryBound(to: UInt8.self)
        var out = y
        var subBlock = 0
        var u1: UInt8 = 1, u2: UInt8 = 2
        for _ in 0..<4 {
            let (s1, m1) = scaleMin(subBlock, scales), (s2, m2) = scaleMin(subBlock + 1, scales)
            let d1 = d * s1, min1 = dmin * m1, d2 = d * s2, min2 = dmin * m2
            for l in 0..<32 { out[l] = d1 * Float((ql[l] & 0x0F) + (qh[l] & u1 != 0 ? 16 : 0)) - min1 }
            for l in 0..<32 { out[l + 32] = d2 * Float((ql[l] >> 4) + (qh[l] & u2 != 0 ? 16 : 0)) - min2 }
            ql += 32
            out += 64
            subBlock += 2
            u1 <<= 2
            u2 <<= 2
        }
    }

    @inline(__always) static func q6_K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block, 208)
        var ql = block.assumingMemoryBound(to: UInt8.self)
        var qh = (block + 128).assumingMemoryBound(to: UInt8.self)
        var sc = (block + 192).assumingMemoryBound(to: Int8.self)
        var out = y
        for _ in 0..<2 {
            for l in 0..<32 {
                let group = l / 16
                let q1 = Int((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) - 32
                let q2 = Int((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32
                let q3 = Int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32
                let q4 = Int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32
                out[l] = d * Float(sc[group]) * Float(q1)
                out[l + 32] = d * Float(sc[group + 2]) * Float(q2)
                out[l + 64] = d * Float(sc[group + 4]) * Float(q3)
                out[l + 96] = d * Float(sc[group + 6]) * Float(q4)
            }
            out += 128
            ql += 64
            qh += 32
            sc += 8
        }
    }
}
