#if arch(x86_64)
import LLMKernelsAVX2
#endif

/// Σ over blocks of (weight row · quantized activations) in integer arithmetic:
/// `Σ_b da_b · (s_{2b} · Σ_{i<16} w_i a_i + s_{2b+1} · Σ_{i≥16} w_i a_i) + o_b · da_b · Σ a_i`.
public enum IntegerDot {
    /// The instruction-set variant chosen once from CPUID.
    public enum Variant: Sendable { case portable, avx2 }

    public static let best: Variant = {
        #if arch(x86_64)
        CPUFeatures.instructionSets.contains(.avx2) ? .avx2 : .portable
        #else
        .portable
        #endif
    }()

    /// The dot product of a decoded row with a quantized vector over `count` elements.
    @inline(__always)
    public static func row(_ w: IntegerRow, _ a: QuantizedVector, offset: Int = 0, count: Int, variant: Variant = best) -> Float {
        let blocks = count / 32
        switch variant {
        case .avx2:
            #if arch(x86_64)
            return integerDotAVX2(weights: w.codes, scales: w.scales, offsets: w.offsets,
                                  activations: a.codes + offset, activationScales: a.scales + offset / 32,
                                  activationSums: a.sums + offset / 32, blocks: blocks)
            #else
            return portable(w, a, offset: offset, blocks: blocks)
            #endif
        case .portable:
            return portable(w, a, offset: offset, blocks: blocks)
        }
    }

    /// Portable SIMD: 16 lanes of i32 products per half block.
    static func portable(_ w: IntegerRow, _ a: QuantizedVector, offset: Int, blocks: Int) -> Float {
        var acc = SIMD16<Float>()
        var offsetSum: Float = 0
        let wq = UnsafeRawPointer(w.codes), aq = UnsafeRawPointer(a.codes + offset)
        let aScales = a.scales + offset / 32, aSums = a.sums + offset / 32
        for b in 0..<blocks {
            let w0 = SIMD16<Int32>(truncatingIfNeeded: wq.loadUnaligned(fromByteOffset: 32 * b, as: SIMD16<Int8>.self))
            let w1 = SIMD16<Int32>(truncatingIfNeeded: wq.loadUnaligned(fromByteOffset: 32 * b + 16, as: SIMD16<Int8>.self))
            let a0 = SIMD16<Int32>(truncatingIfNeeded: aq.loadUnaligned(fromByteOffset: 32 * b, as: SIMD16<Int8>.self))
            let a1 = SIMD16<Int32>(truncatingIfNeeded: aq.loadUnaligned(fromByteOffset: 32 * b + 16, as: SIMD16<Int8>.self))
            let da = aScales[b]
            acc.addProduct(SIMD16<Float>(w0 &* a0), SIMD16<Float>(repeating: w.scales[2 * b] * da))
            acc.addProduct(SIMD16<Float>(w1 &* a1), SIMD16<Float>(repeating: w.scales[2 * b + 1] * da))
            offsetSum += w.offsets[b] * aSums[b]
        }
        return acc.sum() + offsetSum
    }

    /// The scalar reference, accumulated in Double.
    public static func reference(_ w: IntegerRow, _ a: QuantizedVector, offset: Int = 0, count: Int) -> Float {
        var total: Double = 0
        for b in 0..<(count / 32) {
            for half in 0..<2 {
                var sum = 0
                for i in 0..<16 { sum += Int(w.codes[32 * b + 16 * half + i]) * Int(a.codes[offset + 32 * b + 16 * half + i]) }
                total += Double(w.scales[2 * b + half]) * Double(a.scales[offset / 32 + b]) * Double(sum)
            }
            total += Double(w.offsets[b]) * Double(a.sums[offset / 32 + b])
        }
        return Float(total)
    }
}
