import Foundation

/// Element-wise kernels on float vectors.
public enum Vector {
    /// Σ a[i]·b[i], with 16-wide SIMD fused multiply-add (this module is compiled for AVX2 + FMA).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 32 <= n {
            acc0.addProduct(ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self), rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
            acc1.addProduct(ra.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self), rb.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self))
            i += 32
        }
        while i + 16 <= n {
            acc0.addProduct(ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self), rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// y = x / rms(x) · weight, with rms over the `n` elements.
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, epsilon: Float, n: Int, into y: UnsafeMutablePointer<Float>) {
        var sumSquares: Float = 0
        for i in 0..<n { sumSquares += x[i] * x[i] }
        let scale = 1 / (sumSquares / Float(n) + epsilon).squareRoot()
        for i in 0..<n { y[i] = x[i] * scale * weight[i] }
    }

    /// In-place softmax over `n` elements.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        var maximum = -Float.infinity
        for i in 0..<n { maximum = max(maximum, x[i]) }
        var sum: Float = 0
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        var sums = SIMD8<Float>()
        while i + 8 <= n {
            let e = exp8(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - maximum)
            raw.storeBytes(of: e, toByteOffset: i * 4, as: SIMD8<Float>.self)
            sums += e
            i += 8
        }
        sum = sums.sum()
        while i < n {
            x[i] = expf(x[i] - maximum)
            sum += x[i]
            i += 1
        }
        let inverse = 1 / sum
        for i in 0..<n { x[i] *= inverse }
    }

    /// e^x for eight lanes: x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by Cephes' degree-7 polynomial,
    /// 2^n through the exponent bits. Relative error about 2e-7 (tested against `expf`); inputs
    /// are clamped to [−87.3, 88.3], so results below e^−87.3 ≈ 1.2e-38 are that value, not zero.
    @inline(__always)
    public static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var clamped = x
        clamped.replace(with: -87.3, where: x .< -87.3)
        clamped.replace(with: 88.3, where: x .> 88.3)
        // Adding and subtracting 1.5 · 2²³ rounds to the nearest integer (ties to even) in float
        // arithmetic; the same constant plus the exponent bias leaves n + 127 in the low mantissa
        // bits. (Swift's generic SIMD float-to-integer conversions are not vectorised.)
        let magic: Float = 12_582_912
        let n = (clamped * 1.44269504088896341 + magic) - magic
        let r = clamped - n * 0.693359375 + n * 2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let er = p * r * r + r + 1
        let biased = unsafeBitCast(n + (magic + 127), to: SIMD8<Int32>.self) &- 0x4B40_0000
        let exponent = biased &<< 23
        return er * unsafeBitCast(exponent, to: SIMD8<Float>.self)
    }

    /// x[i] = GELU(x[i]) = x·Φ(x), the erf form BERT uses, with erf from Abramowitz and Stegun
    /// 7.1.26 (absolute error below 1.5e-7), eight lanes at a time.
    public static func gelu(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: v * 0.5 * (1 + erf8(v * 0.70710678118654752)), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            x[i] = 0.5 * x[i] * (1 + erff(x[i] * 0.70710678118654752))
            i += 1
        }
    }

    /// erf(x) for eight lanes (Abramowitz and Stegun 7.1.26).
    @inline(__always)
    static func erf8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let sign = SIMD8<Float>(repeating: 1).replacing(with: -1, where: x .< 0)
        let a = x.replacing(with: -x, where: x .< 0)
        let t = 1 / (1 + 0.3275911 * a)
        var poly = SIMD8<Float>(repeating: 1.061405429)
        poly = poly * t - 1.453152027
        poly = poly * t + 1.421413741
        poly = poly * t - 0.284496736
        poly = poly * t + 0.254829592
        poly = poly * t
        return sign * (1 - poly * exp8(-a * a))
    }

    /// gate[i] = silu(gate[i]) · up[i].
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        let g8 = UnsafeMutableRawPointer(gate), u8 = UnsafeRawPointer(up)
        while i + 8 <= n {
            let g = g8.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let u = u8.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            g8.storeBytes(of: g / (1 + exp8(-g)) * u, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        for i in i..<n {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// Rotary position embedding, in place, on `heads` heads of `headDimension` values at `position`.
    /// - Parameter neox: pairs (i, i + d/2) as GPT-NeoX/Qwen2 do; otherwise adjacent pairs (2i, 2i+1) as ggml's llama mode.
    public static func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int, position: Int, base: Float, neox: Bool) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: headDimension) { angles in
            ropeAngles(position: position, headDimension: headDimension, base: base, into: angles.baseAddress!)
            rope(x, heads: heads, headDimension: headDimension, angles: angles.baseAddress!, neox: neox)
        }
    }

    /// The rotation of each pair at `position`: `cos` of pair `i` at `angles[i]`, its `sin` at
    /// `angles[headDimension / 2 + i]` (`headDimension` floats). They depend on the position only, so
    /// a forward pass computes them once per token for all its layers, queries and keys.
    public static func ropeAngles(position: Int, headDimension: Int, base: Float, into angles: UnsafeMutablePointer<Float>) {
        let half = headDimension / 2
        for i in 0..<half {
            let theta = Float(position) * powf(base, -2 * Float(i) / Float(headDimension))
            angles[i] = cosf(theta)
            angles[half + i] = sinf(theta)
        }
    }

    /// ``rope(_:heads:headDimension:position:base:neox:)`` with the angles of ``ropeAngles(position:headDimension:base:into:)``.
    public static func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int, angles: UnsafePointer<Float>, neox: Bool) {
        let half = headDimension / 2
        for i in 0..<half {
            let c = angles[i], s = angles[half + i]
            for h in 0..<heads {
                let head = x + h * headDimension
                let (a, b) = neox ? (i, i + half) : (2 * i, 2 * i + 1)
                let x0 = head[a], x1 = head[b]
                head[a] = x0 * c - x1 * s
                head[b] = x0 * s + x1 * c
            }
        }
    }
}
