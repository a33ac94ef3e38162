/// Integer dot-product kernels with ggml's arithmetic: activations are quantised
/// to int8 per 32-element block (Q8_1 for Q4_1 weights, Q8_0 for Q8_0 weights);
/// per block the products are summed into 8 integer lanes of 4 consecutive
/// elements, converted to Float and fused-multiply-added into 8 float lanes,
/// then reduced as hsum_float_8 (see GGMLNumerics).
///
/// Layout trick: activations are stored as Int16, split into the even and the
/// odd elements of each block (16 + 16). A weight block yields its even and odd
/// elements as 16-bit lanes (PackedQ4_1 for Q4_1, shifts for Q8_0); one
/// `vpmaddwd` per half gives pair sums in 32-bit lanes and their sum is the 8
/// quad lanes. Everything stays in SIMD types written as element loops, which
/// LLVM vectorises (SIMD element-type conversions are not inlined).
enum Kernels {
    @inline(__always)
    static func roundHalf(_ x: Float) -> Float { Float(Float16(x)) }

    /// x[0..<n] -> per 32-block scale d (Float16-rounded), s = d·Σq (Float16-rounded,
    /// when `sums` is given) and the quantised values as even/odd Int16 halves.
    /// Block b goes to even/odd + 16·b·stride and scales/sums[b·stride], so a batch
    /// of `stride` rows can interleave its rows block by block (see Activations).
    @inline(__always)
    static func quantizeRow(_ x: UnsafePointer<Float>, _ n: Int, _ even: UnsafeMutablePointer<Int16>, _ odd: UnsafeMutablePointer<Int16>,
                            _ scales: UnsafeMutablePointer<Float>, _ sums: UnsafeMutablePointer<Float>?, stride: Int = 1) {
        for b in 0..<n / 32 {
            let e = even + 16 * b * stride, o = odd + 16 * b * stride
            let xb = x + 32 * b
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(xb[j])) }
            let d = amax / 127
            let id: Float = amax != 0 ? 127 / amax : 0
            var sum: Int32 = 0
            for i in 0..<16 {
                let q0 = Int32((xb[2 * i] * id).rounded(.toNearestOrEven))
                let q1 = Int32((xb[2 * i + 1] * id).rounded(.toNearestOrEven))
                e[i] = Int16(truncatingIfNeeded: q0)
                o[i] = Int16(truncatingIfNeeded: q1)
                sum &+= q0 &+ q1
            }
            scales[b * stride] = roundHalf(d)
            sums?[b * stride] = roundHalf(d * Float(sum))
        }
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Int16>) -> SIMD16<Int16> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Int16>.self)
    }

    /// Lane k = a[2k]·b[2k] + a[2k+1]·b[2k+1] in Int32. Written as widen, multiply,
    /// add neighbours so that LLVM emits one `vpmaddwd`.
    @inline(__always)
    static func multiplyAddPairs(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
        var wa = SIMD16<Int32>(), wb = SIMD16<Int32>()
        for i in 0..<16 {
            wa[i] = Int32(a[i])
            wb[i] = Int32(b[i])
        }
        let m = wa &* wb
        var r = SIMD8<Int32>()
        for k in 0..<8 { r[k] = m[2 * k] &+ m[2 * k + 1] }
        return r
    }

    /// Quad sums of the products of (even, odd) halves: lane k covers elements 4k…4k+3.
    @inline(__always)
    static func quadInts(_ we: SIMD16<Int16>, _ xe: SIMD16<Int16>, _ wo: SIMD16<Int16>, _ xo: SIMD16<Int16>) -> SIMD8<Int32> {
        multiplyAddPairs(we, xe) &+ multiplyAddPairs(wo, xo)
    }

    /// `quadInts` as Float lanes.
    @inline(__always)
    static func quadSums(_ we: SIMD16<Int16>, _ xe: SIMD16<Int16>, _ wo: SIMD16<Int16>, _ xo: SIMD16<Int16>) -> SIMD8<Float> {
        float(quadInts(we, xe, wo, xo))
    }

    @inline(__always)
    static func float(_ lanes: SIMD8<Int32>) -> SIMD8<Float> {
        var f = SIMD8<Float>()
        for i in 0..<8 { f[i] = Float(lanes[i]) }
        return f
    }

    /// A Q8_0 block's 32 signed bytes as (even, odd) 16-bit lanes.
    @inline(__always)
    static func bytes(_ block: UnsafeRawPointer) -> (SIMD16<Int16>, SIMD16<Int16>) {
        let v = unsafeBitCast(block.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt16>.self), to: SIMD16<Int16>.self)
        return ((v &<< 8) &>> 8, v &>> 8)
    }

    @inline(__always)
    static func hsum(_ acc: SIMD8<Float>) -> Float { GGMLNumerics.hsum8(acc) }

    /// One Q8_0 row · one Q8_0 activation row (ggml_vec_dot_q8_0_q8_0).
    @inline(__always)
    /// Activation block b at xe/xo + 16·b·stride and xd[b·stride] (Activations' layout).
    static func dotQ8_0(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                        _ xd: UnsafePointer<Float>, _ nb: Int, stride: Int = 1) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 34 * b)
            let (we, wo) = bytes(blk)
            acc = acc.addingProduct(SIMD8(repeating: half(blk, 0) * xd[b * stride]), quadSums(we, load16(xe + 16 * b * stride), wo, load16(xo + 16 * b * stride)))
        }
        return hsum(acc)
    }

    /// Four consecutive Q8_0 rows · one activation row (the LM head in decode):
    /// activation loads shared, the rows two groups ahead prefetched.
    @inline(__always)
    static func dotQ8_0x4(_ row: UnsafePointer<UInt8>, _ rowBytes: Int, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                          _ xd: UnsafePointer<Float>, _ nb: Int) -> (Float, Float, Float, Float) {
        let r0 = UnsafeRawPointer(row), r1 = r0 + rowBytes, r2 = r0 + 2 * rowBytes, r3 = r0 + 3 * rowBytes
        let ahead = r0 + 8 * rowBytes
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<nb {
            // A group is 4·34·nb bytes: 136 per block step, three lines cover it.
            Prefetch.read(ahead + 136 * b)
            Prefetch.read(ahead + 136 * b + 64)
            Prefetch.read(ahead + 136 * b + 128)
            let e = load16(xe + 16 * b), o = load16(xo + 16 * b)
            let dx = xd[b]
            let (we0, wo0) = bytes(r0 + 34 * b)
            a0 = a0.addingProduct(SIMD8(repeating: half(r0, 34 * b) * dx), quadSums(we0, e, wo0, o))
            let (we1, wo1) = bytes(r1 + 34 * b)
            a1 = a1.addingProduct(SIMD8(repeating: half(r1, 34 * b) * dx), quadSums(we1, e, wo1, o))
            let (we2, wo2) = bytes(r2 + 34 * b)
            a2 = a2.addingProduct(SIMD8(repeating: half(r2, 34 * b) * dx), quadSums(we2, e, wo2, o))
            let (we3, wo3) = bytes(r3 + 34 * b)
            a3 = a3.addingProduct(SIMD8(repeating: half(r3, 34 * b) * dx), quadSums(we3, e, wo3, o))
        }
        return (hsum(a0), hsum(a1), hsum(a2), hsum(a3))
    }

    /// One Q8_0 row · eight activation rows of a batch (prompt, Activations' layout with
    /// `stride` rows): each block is widened once for the eight, and the eight products
    /// d_w·d_x of a block come from one vector multiply into `scales` (8·nb floats).
    /// Each token's float steps are `dotQ8_0`'s, so the values are bit for bit the same.
    @inline(__always)
    static func dotQ8_0x8Tokens(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                                _ xd: UnsafePointer<Float>, _ stride: Int, _ nb: Int, _ scales: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        for b in 0..<nb {
            let dx = UnsafeRawPointer(xd + b * stride).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(scales + 8 * b).storeBytes(of: SIMD8(repeating: half(row, 34 * b)) * dx, as: SIMD8<Float>.self)
        }
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
        for b in 0..<nb {
            let (we, wo) = bytes(UnsafeRawPointer(row + 34 * b))
            let e = xe + 16 * b * stride, o = xo + 16 * b * stride, s = scales + 8 * b
            @inline(__always)
            func step(_ acc: inout SIMD8<Float>, _ t: Int) {
                acc = acc.addingProduct(SIMD8(repeating: s[t]), quadSums(we, load16(e + 16 * t), wo, load16(o + 16 * t)))
            }
            step(&a0, 0); step(&a1, 1); step(&a2, 2); step(&a3, 3)
            step(&a4, 4); step(&a5, 5); step(&a6, 6); step(&a7, 7)
        }
        return SIMD8(hsum(a0), hsum(a1), hsum(a2), hsum(a3), hsum(a4), hsum(a5), hsum(a6), hsum(a7))
    }
}
