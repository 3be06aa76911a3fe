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
        for i in 0..<n {
            x[i] = expf(x[i] - maximum)
            sum += x[i]
        }
        let inverse = 1 / sum
        for i in 0..<n { x[i] *= inverse }
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
        var e = SIMD8<Float>()
        let negativeSquare = -a * a
        for lane in 0..<8 { e[lane] = expf(negativeSquare[lane]) }
        return sign * (1 - poly * e)
    }

    /// gate[i] = silu(gate[i]) · up[i].
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// Rotary position embedding, in place, on `heads` heads of `headDimension` values at `position`.
    /// - Parameter neox: pairs (i, i + d/2) as GPT-NeoX/Qwen2 do; otherwise adjacent pairs (2i, 2i+1) as ggml's llama mode.
    public static func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int, position: Int, base: Float, neox: Bool) {
        let half = headDimension / 2
        for i in 0..<half {
            let theta = Float(position) * powf(base, -2 * Float(i) / Float(headDimension))
            let c = cosf(theta), s = sinf(theta)
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
