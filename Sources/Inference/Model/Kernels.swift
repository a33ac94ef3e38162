/// Integer dot-product kernels in the shape ggml uses on CPU: activations are
/// quantised to int8 per 32-element block (Q8_1 for Q4_1 weights, Q8_0 for Q8_0
/// weights) so the inner loops are plain integer multiply-adds, which LLVM
/// vectorises. Scales are rounded through Float16 exactly as ggml stores them.
enum Kernels {
    @inline(__always)
    static func roundHalf(_ x: Float) -> Float { Float(Float16(x)) }

    /// x[0..<n] -> int8 blocks with scale d (and s = d * sum(q) when `sums` is given).
    @inline(__always)
    static func quantizeRow(_ x: UnsafePointer<Float>, _ n: Int, _ qs: UnsafeMutablePointer<Int8>,
                            _ scales: UnsafeMutablePointer<Float>, _ sums: UnsafeMutablePointer<Float>?) {
        for b in 0..<n / 32 {
            let xb = x + 32 * b
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(xb[j])) }
            let d = amax / 127
            let id: Float = amax != 0 ? 127 / amax : 0
            var sum: Int32 = 0
            let qb = qs + 32 * b
            for j in 0..<32 {
                let q = Int32((xb[j] * id).rounded(.toNearestOrEven))
                qb[j] = Int8(truncatingIfNeeded: q)
                sum &+= q
            }
            scales[b] = roundHalf(d)
            sums?[b] = roundHalf(d * Float(sum))
        }
    }

    @inline(__always)
    static func half(_ p: UnsafePointer<UInt8>, _ offset: Int) -> Float {
        Float(Float16(bitPattern: UnsafeRawPointer(p + offset).loadUnaligned(as: UInt16.self)))
    }

    /// One Q4_1 row (nb blocks of 20 bytes) · one Q8_1 activation row, accumulated
    /// like ggml_vec_dot_q4_1_q8_1: per block 8 integer lanes of 4 products, an FMA
    /// into 8 float lanes, the m·s terms in a scalar FMA chain.
    @inline(__always)
    static func dotQ4_1(_ row: UnsafePointer<UInt8>, _ xq: UnsafePointer<Int8>, _ xd: UnsafePointer<Float>,
                        _ xs: UnsafePointer<Float>, _ nb: Int) -> Float {
        var acc = SIMD8<Float>()
        var summs: Float = 0
        for b in 0..<nb {
            let blk = row + 20 * b
            let q = blk + 4
            let x = xq + 32 * b
            var lanes = SIMD8<Int32>()
            for k in 0..<4 {
                var lo: Int32 = 0, hi: Int32 = 0
                for t in 0..<4 {
                    let v = q[4 * k + t]
                    lo &+= Int32(v & 15) &* Int32(x[4 * k + t])
                    hi &+= Int32(v >> 4) &* Int32(x[16 + 4 * k + t])
                }
                lanes[k] = lo
                lanes[k + 4] = hi
            }
            acc = acc.addingProduct(SIMD8(repeating: half(blk, 0) * xd[b]), SIMD8<Float>(lanes))
            summs = summs.addingProduct(half(blk, 2), xs[b])
        }
        return GGMLNumerics.hsum8(acc) + summs
    }

    /// One Q8_0 row (nb blocks of 34 bytes) · one Q8_0 activation row (ggml_vec_dot_q8_0_q8_0).
    @inline(__always)
    static func dotQ8_0(_ row: UnsafePointer<UInt8>, _ xq: UnsafePointer<Int8>, _ xd: UnsafePointer<Float>, _ nb: Int) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let blk = row + 34 * b
            let w = UnsafeRawPointer(blk + 2).assumingMemoryBound(to: Int8.self)
            let x = xq + 32 * b
            var lanes = SIMD8<Int32>()
            for k in 0..<8 {
                var s: Int32 = 0
                for t in 0..<4 { s &+= Int32(w[4 * k + t]) &* Int32(x[4 * k + t]) }
                lanes[k] = s
            }
            acc = acc.addingProduct(SIMD8(repeating: half(blk, 0) * xd[b]), SIMD8<Float>(lanes))
        }
        return GGMLNumerics.hsum8(acc)
    }

    /// Unpacks a Q4_1 row into plain nibble values plus per-block d and m, so a
    /// batch of activation rows can reuse the unpacking.
    @inline(__always)
    static func unpackQ4_1(_ row: UnsafePointer<UInt8>, _ nb: Int, _ w: UnsafeMutablePointer<Int8>,
                           _ d: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>) {
        for b in 0..<nb {
            let blk = row + 20 * b
            d[b] = half(blk, 0)
            m[b] = half(blk, 2)
            let q = blk + 4
            let o = w + 32 * b
            for j in 0..<16 {
                o[j] = Int8(q[j] & 15)
                o[j + 16] = Int8(q[j] >> 4)
            }
        }
    }

    /// Unpacked Q4_1 row · one Q8_1 activation row (same arithmetic as dotQ4_1).
    @inline(__always)
    static func dotUnpacked(_ w: UnsafePointer<Int8>, _ wd: UnsafePointer<Float>, _ wm: UnsafePointer<Float>,
                            _ xq: UnsafePointer<Int8>, _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ nb: Int) -> Float {
        var acc = SIMD8<Float>()
        var summs: Float = 0
        for b in 0..<nb {
            let wb = w + 32 * b, x = xq + 32 * b
            var lanes = SIMD8<Int32>()
            for k in 0..<8 {
                var s: Int32 = 0
                for t in 0..<4 { s &+= Int32(wb[4 * k + t]) &* Int32(x[4 * k + t]) }
                lanes[k] = s
            }
            acc = acc.addingProduct(SIMD8(repeating: wd[b] * xd[b]), SIMD8<Float>(lanes))
            summs = summs.addingProduct(wm[b], xs[b])
        }
        return GGMLNumerics.hsum8(acc) + summs
    }

    /// Unpacks a Q8_0 row's scales and values (values are already int8).
    @inline(__always)
    static func unpackQ8_0(_ row: UnsafePointer<UInt8>, _ nb: Int, _ w: UnsafeMutablePointer<Int8>, _ d: UnsafeMutablePointer<Float>) {
        for b in 0..<nb {
            let blk = row + 34 * b
            d[b] = half(blk, 0)
            let src = UnsafeRawPointer(blk + 2).assumingMemoryBound(to: Int8.self)
            (w + 32 * b).update(from: src, count: 32)
        }
    }

    @inline(__always)
    static func dotUnpackedQ8_0(_ w: UnsafePointer<Int8>, _ wd: UnsafePointer<Float>,
                                _ xq: UnsafePointer<Int8>, _ xd: UnsafePointer<Float>, _ nb: Int) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let wb = w + 32 * b, x = xq + 32 * b
            var lanes = SIMD8<Int32>()
            for k in 0..<8 {
                var s: Int32 = 0
                for t in 0..<4 { s &+= Int32(wb[4 * k + t]) &* Int32(x[4 * k + t]) }
                lanes[k] = s
            }
            acc = acc.addingProduct(SIMD8(repeating: wd[b] * xd[b]), SIMD8<Float>(lanes))
        }
        return GGMLNumerics.hsum8(acc)
    }
}
