/// Attention kernels. They live here, in the module compiled for AVX2 + FMA, because SIMD code
/// in a module without those flags turns each fused multiply-add into a call to `fmaf`.
public enum Attention {
    /// Scaled dot-product attention over every position of one sequence (rows `start ..< start +
    /// count` of `q`, `k`, `v`, `stride` floats apart) for one head (columns `column ..< column +
    /// headSize`), with no mask: `context[i] = Σ_j softmax_j(q_i · k_j · scale) v_j`.
    ///
    /// The head's keys are first copied transposed and scaled (`keysT[d][j]`; at least
    /// `headSize · count` floats), so each query's scores take eight keys per fused multiply-add
    /// instead of one horizontal sum per key. `scores` holds at least `count` floats.
    public static func head(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, into context: UnsafeMutablePointer<Float>,
        scores: UnsafeMutablePointer<Float>, keysT: UnsafeMutablePointer<Float>,
        start: Int, count: Int, column: Int, headSize: Int, stride: Int, scale: Float
    ) {
        for j in 0..<count {
            let key = k + (start + j) * stride + column
            for d in 0..<headSize { keysT[d * count + j] = key[d] * scale }
        }
        let rawKeys = UnsafeRawPointer(keysT), rawScores = UnsafeMutableRawPointer(scores)
        // MiniLM's head size: four queries at a time (their own score rows), the same arithmetic.
        let blocked = headSize == 32 && count >= 4 ? count / 4 * 4 : 0
        if blocked > 0 {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * count) { rows in
                for i in Swift.stride(from: 0, to: blocked, by: 4) {
                    fourQueries(q + (start + i) * stride + column, stride: stride, keysT: rawKeys, count: count, scores: rows.baseAddress!,
                                v: v + start * stride + column, into: context + (start + i) * stride + column)
                }
            }
        }
        for i in blocked..<count {
            let qi = q + (start + i) * stride + column
            var j = 0
            while j + 8 <= count {
                var acc = SIMD8<Float>()
                for d in 0..<headSize {
                    acc.addProduct(SIMD8(repeating: qi[d]), rawKeys.loadUnaligned(fromByteOffset: (d * count + j) * 4, as: SIMD8<Float>.self))
                }
                rawScores.storeBytes(of: acc, toByteOffset: j * 4, as: SIMD8<Float>.self)
                j += 8
            }
            while j < count {
                var sum: Float = 0
                for d in 0..<headSize { sum += qi[d] * keysT[d * count + j] }
                scores[j] = sum
                j += 1
            }
            Vector.softmax(scores, count)
            let out = context + (start + i) * stride + column
            if headSize == 32 {
                // MiniLM's head size: the whole output row stays in four registers.
                var o0 = SIMD8<Float>(), o1 = o0, o2 = o0, o3 = o0
                for j in 0..<count {
                    let weight = SIMD8<Float>(repeating: scores[j])
                    let vj = UnsafeRawPointer(v + (start + j) * stride + column)
                    o0.addProduct(weight, vj.loadUnaligned(as: SIMD8<Float>.self))
                    o1.addProduct(weight, vj.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
                    o2.addProduct(weight, vj.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
                    o3.addProduct(weight, vj.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
                }
                let raw = UnsafeMutableRawPointer(out)
                raw.storeBytes(of: o0, as: SIMD8<Float>.self)
                raw.storeBytes(of: o1, toByteOffset: 32, as: SIMD8<Float>.self)
                raw.storeBytes(of: o2, toByteOffset: 64, as: SIMD8<Float>.self)
                raw.storeBytes(of: o3, toByteOffset: 96, as: SIMD8<Float>.self)
                continue
            }
            out.update(repeating: 0, count: headSize)
            for j in 0..<count {
                let weight = scores[j], vj = v + (start + j) * stride + column
                for d in 0..<headSize { out[d] += weight * vj[d] }
            }
        }
    }

    /// ``head(q:k:v:into:scores:keysT:start:count:column:headSize:stride:scale:)`` for four
    /// consecutive queries of a 32-wide head (queries and context rows `stride` apart, values from
    /// `v`, `stride` apart), every score and output element computed exactly as there (the same
    /// fused multiply-adds in the same order, the same softmax): one query's dot products are a
    /// chain of dependent multiply-adds, so four queries by two key blocks keep eight chains in
    /// flight and read each key block once for four queries; two queries share each value row.
    /// `scores` holds `4 · count` floats.
    @inline(__always)
    private static func fourQueries(
        _ q: UnsafePointer<Float>, stride: Int, keysT: UnsafeRawPointer, count: Int, scores: UnsafeMutablePointer<Float>,
        v: UnsafePointer<Float>, into context: UnsafeMutablePointer<Float>
    ) {
        let q0 = q, q1 = q + stride, q2 = q + 2 * stride, q3 = q + 3 * stride
        let s0 = scores, s1 = scores + count, s2 = scores + 2 * count, s3 = scores + 3 * count
        func key(_ d: Int, _ j: Int) -> SIMD8<Float> { keysT.loadUnaligned(fromByteOffset: (d * count + j) * 4, as: SIMD8<Float>.self) }
        func store(_ value: SIMD8<Float>, _ row: UnsafeMutablePointer<Float>, _ j: Int) {
            UnsafeMutableRawPointer(row).storeBytes(of: value, toByteOffset: j * 4, as: SIMD8<Float>.self)
        }
        var j = 0
        while j + 16 <= count {
            var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0
            for d in 0..<32 {
                let k0 = key(d, j), k1 = key(d, j + 8)
                let x0 = SIMD8(repeating: q0[d]), x1 = SIMD8(repeating: q1[d]), x2 = SIMD8(repeating: q2[d]), x3 = SIMD8(repeating: q3[d])
                a0.addProduct(x0, k0); b0.addProduct(x0, k1)
                a1.addProduct(x1, k0); b1.addProduct(x1, k1)
                a2.addProduct(x2, k0); b2.addProduct(x2, k1)
                a3.addProduct(x3, k0); b3.addProduct(x3, k1)
            }
            store(a0, s0, j); store(b0, s0, j + 8)
            store(a1, s1, j); store(b1, s1, j + 8)
            store(a2, s2, j); store(b2, s2, j + 8)
            store(a3, s3, j); store(b3, s3, j + 8)
            j += 16
        }
        while j + 8 <= count {
            var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
            for d in 0..<32 {
                let k0 = key(d, j)
                a0.addProduct(SIMD8(repeating: q0[d]), k0)
                a1.addProduct(SIMD8(repeating: q1[d]), k0)
                a2.addProduct(SIMD8(repeating: q2[d]), k0)
                a3.addProduct(SIMD8(repeating: q3[d]), k0)
            }
            store(a0, s0, j); store(a1, s1, j); store(a2, s2, j); store(a3, s3, j)
            j += 8
        }
        let keys = keysT.assumingMemoryBound(to: Float.self)
        func tail(_ qi: UnsafePointer<Float>, _ row: UnsafeMutablePointer<Float>, _ j: Int) {
            var sum: Float = 0
            for d in 0..<32 { sum += qi[d] * keys[d * count + j] }
            row[j] = sum
        }
        while j < count {
            tail(q0, s0, j); tail(q1, s1, j); tail(q2, s2, j); tail(q3, s3, j)
            j += 1
        }
        Vector.softmax(s0, count); Vector.softmax(s1, count); Vector.softmax(s2, count); Vector.softmax(s3, count)
        func write(_ o0: SIMD8<Float>, _ o1: SIMD8<Float>, _ o2: SIMD8<Float>, _ o3: SIMD8<Float>, row: Int) {
            let raw = UnsafeMutableRawPointer(context + row * stride)
            raw.storeBytes(of: o0, as: SIMD8<Float>.self)
            raw.storeBytes(of: o1, toByteOffset: 32, as: SIMD8<Float>.self)
            raw.storeBytes(of: o2, toByteOffset: 64, as: SIMD8<Float>.self)
            raw.storeBytes(of: o3, toByteOffset: 96, as: SIMD8<Float>.self)
        }
        for pair in Swift.stride(from: 0, to: 4, by: 2) {
            let first = scores + pair * count, second = first + count
            var o0 = SIMD8<Float>(), o1 = o0, o2 = o0, o3 = o0, p0 = o0, p1 = o0, p2 = o0, p3 = o0
            for j in 0..<count {
                let w0 = SIMD8<Float>(repeating: first[j]), w1 = SIMD8<Float>(repeating: second[j])
                let vj = UnsafeRawPointer(v + j * stride)
                let v0 = vj.loadUnaligned(as: SIMD8<Float>.self), v1 = vj.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                let v2 = vj.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self), v3 = vj.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
                o0.addProduct(w0, v0); o1.addProduct(w0, v1); o2.addProduct(w0, v2); o3.addProduct(w0, v3)
                p0.addProduct(w1, v0); p1.addProduct(w1, v1); p2.addProduct(w1, v2); p3.addProduct(w1, v3)
            }
            write(o0, o1, o2, o3, row: pair)
            write(p0, p1, p2, p3, row: pair + 1)
        }
    }

    /// The queries of `heads` consecutive heads that share one key/value head (grouped-query
    /// attention) against the first `length` positions of a cache: for each head `h`,
    /// `context_h = Σ_t softmax_t(query_h · key_t · scale) value_t`, where key and value `t` are
    /// `headSize` f16 values at `keys + t · stride` and `values + t · stride` (f16 halves the memory
    /// that batched decoding streams through for every sequence). Each key and value row is read
    /// once for all the heads. Query `h` is at `queries + h · headSize`, its context at
    /// `context + h · headSize`; `scores` holds at least `heads · length` floats.
    public static func cached(
        queries: UnsafePointer<Float>, heads: Int, keys: UnsafePointer<Float16>, values: UnsafePointer<Float16>, length: Int, stride: Int,
        headSize: Int, scale: Float, scores: UnsafeMutablePointer<Float>, into context: UnsafeMutablePointer<Float>
    ) {
        var first = 0
        while first < heads {
            // Up to four heads at a time keep their accumulators in registers.
            let n = min(4, heads - first)
            let q = queries + first * headSize, out = scores + first * length
            switch n {
            case 4: scores4(q, keys, length, stride, headSize, scale, out)
            case 3: scores3(q, keys, length, stride, headSize, scale, out)
            case 2: scores2(q, keys, length, stride, headSize, scale, out)
            default: scores1(q, keys, length, stride, headSize, scale, out)
            }
            first += n
        }
        for h in 0..<heads { Vector.softmax(scores + h * length, length) }
        first = 0
        while first < heads {
            let n = min(4, heads - first)
            let weights = scores + first * length, out = context + first * headSize
            switch n {
            case 4: values4(weights, values, length, stride, headSize, out)
            case 3: values3(weights, values, length, stride, headSize, out)
            case 2: values2(weights, values, length, stride, headSize, out)
            default: values1(weights, values, length, stride, headSize, out)
            }
            first += n
        }
    }

    // One never-inlined copy of each loop per head count, so that `n` is a constant in each. (With
    // the four calls in one function the optimizer merged them into one call with `n` a variable,
    // testing it at every step of the loops.)
    @inline(never) private static func scores4(_ q: UnsafePointer<Float>, _ keys: UnsafePointer<Float16>, _ length: Int, _ stride: Int, _ headSize: Int, _ scale: Float, _ out: UnsafeMutablePointer<Float>) {
        groupScores(q, 4, keys, length, stride, headSize, scale, out)
    }
    @inline(never) private static func scores3(_ q: UnsafePointer<Float>, _ keys: UnsafePointer<Float16>, _ length: Int, _ stride: Int, _ headSize: Int, _ scale: Float, _ out: UnsafeMutablePointer<Float>) {
        groupScores(q, 3, keys, length, stride, headSize, scale, out)
    }
    @inline(never) private static func scores2(_ q: UnsafePointer<Float>, _ keys: UnsafePointer<Float16>, _ length: Int, _ stride: Int, _ headSize: Int, _ scale: Float, _ out: UnsafeMutablePointer<Float>) {
        groupScores(q, 2, keys, length, stride, headSize, scale, out)
    }
    @inline(never) private static func scores1(_ q: UnsafePointer<Float>, _ keys: UnsafePointer<Float16>, _ length: Int, _ stride: Int, _ headSize: Int, _ scale: Float, _ out: UnsafeMutablePointer<Float>) {
        groupScores(q, 1, keys, length, stride, headSize, scale, out)
    }
    @inline(never) private static func values4(_ weights: UnsafePointer<Float>, _ values: UnsafePointer<Float16>, _ length: Int, _ stride: Int, _ headSize: Int, _ out: UnsafeMutablePointer<Float>) {
        groupValues(weights, 4, values, length, stride, headSize, out)
    }
    @inline(never) private static func values3(_ weights: UnsafePointer<Float>, _ values: UnsafePointer<Float16>, _ length: Int, _ stride: Int, _ headSize: Int, _ out: UnsafeMutablePointer<Float>) {
        groupValues(weights, 3, values, length, stride, headSize, out)
    }
    @inline(never) private static func values2(_ weights: UnsafePointer<Float>, _ values: UnsafePointer<Float16>, _ length: Int, _ stride: Int, _ headSize: Int, _ out: UnsafeMutablePointer<Float>) {
        groupValues(weights, 2, values, length, stride, headSize, out)
    }
    @inline(never) private static func values1(_ weights: UnsafePointer<Float>, _ values: UnsafePointer<Float16>, _ length: Int, _ stride: Int, _ headSize: Int, _ out: UnsafeMutablePointer<Float>) {
        groupValues(weights, 1, values, length, stride, headSize, out)
    }

    /// Scores of `n` (1…4, a constant where inlined) query heads against each key: two
    /// accumulators per head (even and odd eights of the head's dimensions), so each head's chain
    /// of fused multiply-adds is half as long, and a pairwise horizontal sum.
    @inline(__always) private static func groupScores(
        _ queries: UnsafePointer<Float>, _ n: Int, _ keys: UnsafePointer<Float16>, _ length: Int, _ stride: Int, _ headSize: Int,
        _ scale: Float, _ scores: UnsafeMutablePointer<Float>
    ) {
        let whole = headSize / 8 * 8
        @inline(__always) func q(_ h: Int, _ d: Int) -> SIMD8<Float> { UnsafeRawPointer(queries + h * headSize + d).loadUnaligned(as: SIMD8<Float>.self) }
        for t in 0..<length {
            let key = keys + t * stride
            var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0
            var d = 0
            while d + 16 <= whole {
                let k = half8(key + d), l = half8(key + d + 8)
                a0.addProduct(q(0, d), k); b0.addProduct(q(0, d + 8), l)
                if n > 1 { a1.addProduct(q(1, d), k); b1.addProduct(q(1, d + 8), l) }
                if n > 2 { a2.addProduct(q(2, d), k); b2.addProduct(q(2, d + 8), l) }
                if n > 3 { a3.addProduct(q(3, d), k); b3.addProduct(q(3, d + 8), l) }
                d += 16
            }
            if d < whole {
                let k = half8(key + d)
                a0.addProduct(q(0, d), k)
                if n > 1 { a1.addProduct(q(1, d), k) }
                if n > 2 { a2.addProduct(q(2, d), k) }
                if n > 3 { a3.addProduct(q(3, d), k) }
            }
            @inline(__always) func store(_ h: Int, _ a: SIMD8<Float>, _ b: SIMD8<Float>) {
                var sum = total(a + b)
                for e in whole..<headSize { sum += queries[h * headSize + e] * Float(key[e]) }
                scores[h * length + t] = sum * scale
            }
            store(0, a0, b0)
            if n > 1 { store(1, a1, b1) }
            if n > 2 { store(2, a2, b2) }
            if n > 3 { store(3, a3, b3) }
        }
    }

    /// The contexts of `n` (1…4, a constant where inlined) heads, sixteen dimensions per sweep over
    /// the values: each value row is converted once for all the heads.
    @inline(__always) private static func groupValues(
        _ scores: UnsafePointer<Float>, _ n: Int, _ values: UnsafePointer<Float16>, _ length: Int, _ stride: Int, _ headSize: Int,
        _ context: UnsafeMutablePointer<Float>
    ) {
        let raw = UnsafeMutableRawPointer(context)
        var d = 0
        while d + 16 <= headSize {
            var o0 = SIMD8<Float>(), o1 = o0, p0 = o0, p1 = o0, r0 = o0, r1 = o0, s0 = o0, s1 = o0
            for t in 0..<length {
                let row = values + t * stride + d
                let v0 = half8(row), v1 = half8(row + 8)
                let w0 = SIMD8<Float>(repeating: scores[t])
                o0.addProduct(w0, v0); o1.addProduct(w0, v1)
                if n > 1 {
                    let w1 = SIMD8<Float>(repeating: scores[length + t])
                    p0.addProduct(w1, v0); p1.addProduct(w1, v1)
                }
                if n > 2 {
                    let w2 = SIMD8<Float>(repeating: scores[2 * length + t])
                    r0.addProduct(w2, v0); r1.addProduct(w2, v1)
                }
                if n > 3 {
                    let w3 = SIMD8<Float>(repeating: scores[3 * length + t])
                    s0.addProduct(w3, v0); s1.addProduct(w3, v1)
                }
            }
            @inline(__always) func put(_ h: Int, _ x: SIMD8<Float>, _ y: SIMD8<Float>) {
                raw.storeBytes(of: x, toByteOffset: (h * headSize + d) * 4, as: SIMD8<Float>.self)
                raw.storeBytes(of: y, toByteOffset: (h * headSize + d) * 4 + 32, as: SIMD8<Float>.self)
            }
            put(0, o0, o1)
            if n > 1 { put(1, p0, p1) }
            if n > 2 { put(2, r0, r1) }
            if n > 3 { put(3, s0, s1) }
            d += 16
        }
        while d < headSize {
            for h in 0..<n {
                var sum: Float = 0
                for t in 0..<length { sum += scores[h * length + t] * Float(values[t * stride + d]) }
                context[h * headSize + d] = sum
            }
            d += 1
        }
    }

    /// The sum of eight lanes, pairwise (three additions, where `SIMD8.sum()` adds lane by lane).
    @inline(__always) static func total(_ v: SIMD8<Float>) -> Float {
        let four = v.lowHalf + v.highHalf, two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    /// Eight f16 values as f32 (one `vcvtph2ps`).
    @inline(__always) static func half8(_ p: UnsafePointer<Float16>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float16>.self))
    }

    /// Rounds `count` floats to f16 (to nearest, ties to even), as a KV cache stores them.
    public static func storeHalves(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float16>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let x = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(destination + i).storeBytes(of: SIMD8<Float16>(x), as: SIMD8<Float16>.self)
            i += 8
        }
        while i < count { destination[i] = Float16(source[i]); i += 1 }
    }
}
