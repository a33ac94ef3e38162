#if arch(x86_64)
import InferenceVNNI
#endif

/// Q6_K weights · Q8_K activations (ggml_vec_dot_q6_K_q8_K, AVX2 path). Per 256-element
/// block: integer lanes Σ scale·(quad sums of (q_w − 32)·q_x), where quads 0–3 of each
/// 32-element group take the scale of its first 16 elements and quads 4–7 the second's;
/// Float-converted and fused-multiply-added with d_x·d_w into 8 float lanes; hsum_float_8.
enum Q6_KKernel {
    /// Group g (0..<4) of 128-element half n as (even, odd) lanes of q − 32; its two
    /// 16-element scales as the 8 quad lanes' multipliers.
    @inline(__always)
    static func group(_ blk: UnsafeRawPointer, _ n: Int, _ g: Int) -> (SIMD16<Int16>, SIMD16<Int16>, SIMD8<Int32>) {
        // Byte pairs of ql[0..<32] or ql[32..<64] (by g's parity) and qh[0..<32] of this half:
        // the low 4 bits from a nibble of ql, the top 2 from bits 2g, 2g+1 of qh.
        let v = blk.loadUnaligned(fromByteOffset: 64 * n + 32 * (g & 1), as: SIMD16<UInt16>.self)
        let h = blk.loadUnaligned(fromByteOffset: 128 + 32 * n, as: SIMD16<UInt16>.self)
        let nibbleShift = UInt16(4 * (g >> 1)), bitShift = UInt16(2 * g)
        let even = v &>> nibbleShift & 0x0F | (h &>> bitShift & 3) &<< 4
        let odd = v &>> (nibbleShift + 8) & 0x0F | (h &>> (bitShift + 8) & 3) &<< 4
        let bias = SIMD16<Int16>(repeating: 32)
        let scales = (blk + 192 + 8 * n + 2 * g).assumingMemoryBound(to: Int8.self)
        let s0 = Int32(scales[0]), s1 = Int32(scales[1])
        return (unsafeBitCast(even, to: SIMD16<Int16>.self) &- bias, unsafeBitCast(odd, to: SIMD16<Int16>.self) &- bias,
                SIMD8(s0, s0, s0, s0, s1, s1, s1, s1))
    }

    @inline(__always)
    static func scaledQuads(_ w: (SIMD16<Int16>, SIMD16<Int16>, SIMD8<Int32>), _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>) -> SIMD8<Int32> {
        w.2 &* Kernels.quadInts(w.0, Kernels.load16(xe), w.1, Kernels.load16(xo))
    }

    /// One row of `nb` blocks · one Q8_K activation row (Q8_KActivations' layout, `stride` rows).
    @inline(__always)
    static func dot(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                    _ xd: UnsafePointer<Float>, _ nb: Int, stride: Int = 1) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 210 * b)
            var sumi = SIMD8<Int32>()
            for n in 0..<2 {
                for g in 0..<4 {
                    let c = (8 * b + 4 * n + g) * stride
                    sumi &+= scaledQuads(group(blk, n, g), xe + 16 * c, xo + 16 * c)
                }
            }
            acc = acc.addingProduct(SIMD8(repeating: xd[b * stride] * Kernels.half(blk, 208)), Kernels.float(sumi))
        }
        return Kernels.hsum(acc)
    }

    /// One row · four consecutive activation rows of a batch (`stride` rows): each
    /// group's values are decoded once for the four.
    @inline(__always)
    static func dot4Tokens(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                           _ xd: UnsafePointer<Float>, _ nb: Int, stride: Int) -> SIMD4<Float> {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 210 * b)
            var s0 = SIMD8<Int32>(), s1 = SIMD8<Int32>(), s2 = SIMD8<Int32>(), s3 = SIMD8<Int32>()
            for n in 0..<2 {
                for g in 0..<4 {
                    let w = group(blk, n, g)
                    let c = (8 * b + 4 * n + g) * stride
                    let e = xe + 16 * c, o = xo + 16 * c
                    s0 &+= scaledQuads(w, e, o)
                    s1 &+= scaledQuads(w, e + 16, o + 16)
                    s2 &+= scaledQuads(w, e + 32, o + 32)
                    s3 &+= scaledQuads(w, e + 48, o + 48)
                }
            }
            let dw = Kernels.half(blk, 208), d = xd + b * stride
            a0 = a0.addingProduct(SIMD8(repeating: d[0] * dw), Kernels.float(s0))
            a1 = a1.addingProduct(SIMD8(repeating: d[1] * dw), Kernels.float(s1))
            a2 = a2.addingProduct(SIMD8(repeating: d[2] * dw), Kernels.float(s2))
            a3 = a3.addingProduct(SIMD8(repeating: d[3] * dw), Kernels.float(s3))
        }
        return SIMD4(Kernels.hsum(a0), Kernels.hsum(a1), Kernels.hsum(a2), Kernels.hsum(a3))
    }

    /// `group`'s values with their scales already multiplied in (|q − 32|·|scale| <= 4096
    /// fits 16 bits): lanes 0–7 of each half are the group's first 16 elements. The
    /// integer sums are then one pair product per half and token, no 32-bit multiply.
    @inline(__always)
    static func scaledGroup(_ blk: UnsafeRawPointer, _ n: Int, _ g: Int) -> (SIMD16<Int16>, SIMD16<Int16>) {
        let (even, odd, _) = group(blk, n, g)
        let scales = (blk + 192 + 8 * n + 2 * g).assumingMemoryBound(to: Int8.self)
        let s0 = Int16(scales[0]), s1 = Int16(scales[1])
        let m = SIMD16<Int16>(s0, s0, s0, s0, s0, s0, s0, s0, s1, s1, s1, s1, s1, s1, s1, s1)
        return (even &* m, odd &* m)
    }

    /// One row · eight activation rows of a batch (prompt): each group is decoded and
    /// scaled once for the eight; d_x·d_w of the eight come from one vector multiply
    /// into `scales` (8·nb floats). Each token's float steps are `dot`'s.
    @inline(__always)
    static func dot8Tokens(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                           _ xd: UnsafePointer<Float>, _ nb: Int, stride: Int, _ scales: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        for b in 0..<nb {
            let dx = UnsafeRawPointer(xd + b * stride).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(scales + 8 * b).storeBytes(of: dx * SIMD8(repeating: Kernels.half(row, 210 * b + 208)), as: SIMD8<Float>.self)
        }
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 210 * b)
            var s0 = SIMD8<Int32>(), s1 = SIMD8<Int32>(), s2 = SIMD8<Int32>(), s3 = SIMD8<Int32>()
            var s4 = SIMD8<Int32>(), s5 = SIMD8<Int32>(), s6 = SIMD8<Int32>(), s7 = SIMD8<Int32>()
            for n in 0..<2 {
                for g in 0..<4 {
                    let (we, wo) = scaledGroup(blk, n, g)
                    let c = (8 * b + 4 * n + g) * stride
                    let e = xe + 16 * c, o = xo + 16 * c
                    @inline(__always)
                    func add(_ s: inout SIMD8<Int32>, _ t: Int) {
                        s &+= Kernels.quadInts(we, Kernels.load16(e + 16 * t), wo, Kernels.load16(o + 16 * t))
                    }
                    add(&s0, 0); add(&s1, 1); add(&s2, 2); add(&s3, 3)
                    add(&s4, 4); add(&s5, 5); add(&s6, 6); add(&s7, 7)
                }
            }
            let d = scales + 8 * b
            a0 = a0.addingProduct(SIMD8(repeating: d[0]), Kernels.float(s0))
            a1 = a1.addingProduct(SIMD8(repeating: d[1]), Kernels.float(s1))
            a2 = a2.addingProduct(SIMD8(repeating: d[2]), Kernels.float(s2))
            a3 = a3.addingProduct(SIMD8(repeating: d[3]), Kernels.float(s3))
            a4 = a4.addingProduct(SIMD8(repeating: d[4]), Kernels.float(s4))
            a5 = a5.addingProduct(SIMD8(repeating: d[5]), Kernels.float(s5))
            a6 = a6.addingProduct(SIMD8(repeating: d[6]), Kernels.float(s6))
            a7 = a7.addingProduct(SIMD8(repeating: d[7]), Kernels.float(s7))
        }
        return SIMD8(Kernels.hsum(a0), Kernels.hsum(a1), Kernels.hsum(a2), Kernels.hsum(a3),
                     Kernels.hsum(a4), Kernels.hsum(a5), Kernels.hsum(a6), Kernels.hsum(a7))
    }

    #if arch(x86_64)
    /// `dot8Tokens` on AVX-512 VNNI (InferenceVNNI; the CPU must have it): the same bits,
    /// from the activations' byte copy (`Activations.bytesK`).
    @inline(__always)
    static func dot8TokensVNNI(_ row: UnsafePointer<UInt8>, _ x: UnsafePointer<UInt8>, _ xd: UnsafePointer<Float>, _ nb: Int, stride: Int) -> SIMD8<Float> {
        let a = Q6_KVNNI.dot8Tokens(row, x, xd, nb, stride: stride)
        return SIMD8(Kernels.hsum(a.0), Kernels.hsum(a.1), Kernels.hsum(a.2), Kernels.hsum(a.3),
                     Kernels.hsum(a.4), Kernels.hsum(a.5), Kernels.hsum(a.6), Kernels.hsum(a.7))
    }
    #endif
}
