/// Scalar re-statements of the float operations llama.cpp's CPU backend performs,
/// in the same order, with the same fused multiply-adds and approximations, so
/// greedy decoding agrees with llama.cpp token for token. (Int8 activation
/// quantisation turns tiny float differences into visible logit differences, so
/// "close" is not enough.) The reference is ggml's AVX-512 build, which the
/// fixtures were generated with.
enum GGMLNumerics {
    /// ggml_v_expf (AVX-512 variant): a polynomial exp with scalef. The final
    /// j·2ⁿ is done as two exact power-of-two multiplies (|n| <= 192 keeps both
    /// halves in the normal range, so only the last multiply rounds, as scalef does).
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let r: Float = 0x1.8p23
        let z = r.addingProduct(x, 0x1.715476p+0)
        let n = z - r
        let b = x.addingProduct(-n, 0x1.62e4p-1).addingProduct(-n, 0x1.7f7d1cp-20)
        if !(abs(n) <= 192) { return n <= 0 ? 0 : .infinity }
        let u = b * b
        let p1 = Float(0x1.573e2ep-5).addingProduct(0x1.0e4020p-7, b)
        let p2 = Float(0x1.fffdb6p-2).addingProduct(0x1.555e66p-3, b)
        let t = p2.addingProduct(p1, u)
        let last = Float(1).addingProduct(0x1.ffffecp-1, b)
        let j = last.addingProduct(t, u)
        let ni = Int32(bitPattern: z.bitPattern) &- Int32(bitPattern: r.bitPattern)
        let n1 = ni >> 1, n2 = ni &- n1
        let s1 = Float(bitPattern: UInt32(bitPattern: (n1 &+ 127) << 23))
        let s2 = Float(bitPattern: UInt32(bitPattern: (n2 &+ 127) << 23))
        return (j * s1) * s2
    }

    /// ggml_v_silu: x / (1 + exp(-x)).
    @inline(__always)
    static func silu(_ x: Float) -> Float {
        x / (1 + exp(0 - x))
    }

    /// `exp` on 16 lanes, bit-identical to the scalar version (which handles
    /// lanes outside |n| <= 192).
    @inline(__always)
    static func exp16(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let r = SIMD16<Float>(repeating: 0x1.8p23)
        let z = r.addingProduct(x, SIMD16(repeating: 0x1.715476p+0))
        let n = z - r
        let b = x.addingProduct(-n, SIMD16(repeating: 0x1.62e4p-1)).addingProduct(-n, SIMD16(repeating: 0x1.7f7d1cp-20))
        let u = b * b
        let p1 = SIMD16<Float>(repeating: 0x1.573e2ep-5).addingProduct(SIMD16(repeating: 0x1.0e4020p-7), b)
        let p2 = SIMD16<Float>(repeating: 0x1.fffdb6p-2).addingProduct(SIMD16(repeating: 0x1.555e66p-3), b)
        let t = p2.addingProduct(p1, u)
        let last = SIMD16<Float>(repeating: 1).addingProduct(SIMD16(repeating: 0x1.ffffecp-1), b)
        let j = last.addingProduct(t, u)
        let ni = unsafeBitCast(z, to: SIMD16<Int32>.self) &- SIMD16(repeating: Int32(bitPattern: Float(0x1.8p23).bitPattern))
        let n1 = ni &>> 1, n2 = ni &- n1
        let bias = SIMD16<Int32>(repeating: 127)
        let s1 = unsafeBitCast((n1 &+ bias) &<< 23, to: SIMD16<Float>.self)
        let s2 = unsafeBitCast((n2 &+ bias) &<< 23, to: SIMD16<Float>.self)
        var result = (j * s1) * s2
        // Lanes outside |n| <= 192 (ni is n exactly there; NaN and infinities land far
        // outside) take the scalar path. Checked with integer vector operations, whose
        // sign bits are OR-ed together: a per-lane loop here was a quarter of SwiGLU's time.
        let shifted = ni &+ SIMD16(repeating: 192)
        let outside = shifted | (SIMD16(repeating: 384) &- shifted)
        let half = outside.lowHalf | outside.highHalf
        let quarter = half.lowHalf | half.highHalf
        if (quarter[0] | quarter[1] | quarter[2] | quarter[3]) < 0 {
            for i in 0..<16 { result[i] = exp(x[i]) }
        }
        return result
    }

    /// silu(g) * u over 16 lanes (ggml_vec_swiglu_f32).
    @inline(__always)
    static func swiglu16(_ g: SIMD16<Float>, _ u: SIMD16<Float>) -> SIMD16<Float> {
        g / (SIMD16<Float>(repeating: 1) + exp16(SIMD16<Float>() - g)) * u
    }

    /// _mm512_reduce_add_ps as GCC implements it (halves, then quarters, then pairs).
    @inline(__always)
    static func reduceAdd16(_ v: UnsafePointer<Float>) -> Float {
        var t3 = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
        t3.0 = v[8] + v[0]; t3.1 = v[9] + v[1]; t3.2 = v[10] + v[2]; t3.3 = v[11] + v[3]
        t3.4 = v[12] + v[4]; t3.5 = v[13] + v[5]; t3.6 = v[14] + v[6]; t3.7 = v[15] + v[7]
        let t60 = t3.4 + t3.0, t61 = t3.5 + t3.1, t62 = t3.6 + t3.2, t63 = t3.7 + t3.3
        return (t60 + t62) + (t61 + t63)
    }

    /// hsum_float_8: ((x0+x4)+(x2+x6)) + ((x1+x5)+(x3+x7)).
    @inline(__always)
    static func hsum8(_ a: SIMD8<Float>) -> Float {
        ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func reduceAdd16(_ v: SIMD16<Float>) -> Float {
        let t3 = v.highHalf + v.lowHalf
        let t6 = t3.highHalf + t3.lowHalf
        return (t6[0] + t6[2]) + (t6[1] + t6[3])
    }

    /// Dot of two 64-element rows as tinyBLAS does for batches: 16 lanes, one
    /// FMA chain per lane over the four 16-element chunks, then reduce.
    @inline(__always)
    static func dot64Batched(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
        var lanes = load16(a) * load16(b)
        lanes = lanes.addingProduct(load16(a + 16), load16(b + 16))
        lanes = lanes.addingProduct(load16(a + 32), load16(b + 32))
        lanes = lanes.addingProduct(load16(a + 48), load16(b + 48))
        return reduceAdd16(lanes)
    }

    /// Dot of two 64-element rows as ggml_vec_dot_f16 does for one row: four
    /// 16-lane accumulators (one product each), folded 0+2, 1+3, 0+1, then reduce.
    @inline(__always)
    static func dot64Single(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
        let s0 = load16(a) * load16(b), s1 = load16(a + 16) * load16(b + 16)
        let s2 = load16(a + 32) * load16(b + 32), s3 = load16(a + 48) * load16(b + 48)
        return reduceAdd16((s0 + s2) + (s1 + s3))
    }

    /// Float16 -> Float for a row (a plain loop: LLVM turns it into vcvtph2ps).
    @inline(__always)
    static func widen(_ src: UnsafePointer<Float16>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { dst[i] = Float(src[i]) }
    }
}
