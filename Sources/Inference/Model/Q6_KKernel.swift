/// Q6_K weights · Q8_K activations (ggml_vec_dot_q6_K_q8_K, AVX2 path). Per 256-element
/// block: integer lanes Σ scale·(quad sums of (q_w − 32)·q_x), where quads 0–3 of each
/// 32-element group take the scale of its first 16 elements and quads 4–7 the second's;
/// Float-converted and fused-multiply-added with d_x·d_w into 8 float lanes; hsum_float_8.
enum Q6_KKernel {
    /// One block's scaled integer lanes. Activation chunk c (0..<8) at xe/xo + 16·c·stride.
    @inline(__always)
    static func block(_ blk: UnsafeRawPointer, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>, _ stride: Int) -> SIMD8<Int32> {
        let scales = (blk + 192).assumingMemoryBound(to: Int8.self)
        let bias = SIMD16<Int16>(repeating: 32)
        var sumi = SIMD8<Int32>()
        for n in 0..<2 {
            // Byte pairs of ql[0..<32], ql[32..<64] and qh[0..<32] of this 128-element half.
            let v1 = blk.loadUnaligned(fromByteOffset: 64 * n, as: SIMD16<UInt16>.self)
            let v2 = blk.loadUnaligned(fromByteOffset: 64 * n + 32, as: SIMD16<UInt16>.self)
            let h = blk.loadUnaligned(fromByteOffset: 128 + 32 * n, as: SIMD16<UInt16>.self)
            // Group g (32 elements): its low 4 bits from a nibble of v1/v2, its top 2 from bits 2g, 2g+1 of qh.
            @inline(__always)
            func group(_ g: Int, _ even: SIMD16<UInt16>, _ odd: SIMD16<UInt16>) {
                let c = (4 * n + g) * stride
                let we = unsafeBitCast(even, to: SIMD16<Int16>.self) &- bias
                let wo = unsafeBitCast(odd, to: SIMD16<Int16>.self) &- bias
                let q = Kernels.quadInts(we, Kernels.load16(xe + 16 * c), wo, Kernels.load16(xo + 16 * c))
                let s0 = Int32(scales[8 * n + 2 * g]), s1 = Int32(scales[8 * n + 2 * g + 1])
                sumi &+= SIMD8(s0, s0, s0, s0, s1, s1, s1, s1) &* q
            }
            group(0, v1 & 0x0F | (h & 3) &<< 4, v1 &>> 8 & 0x0F | (h &>> 8 & 3) &<< 4)
            group(1, v2 & 0x0F | (h &>> 2 & 3) &<< 4, v2 &>> 8 & 0x0F | (h &>> 10 & 3) &<< 4)
            group(2, v1 &>> 4 & 0x0F | (h &>> 4 & 3) &<< 4, v1 &>> 12 | (h &>> 12 & 3) &<< 4)
            group(3, v2 &>> 4 & 0x0F | (h &>> 6 & 3) &<< 4, v2 &>> 12 | (h &>> 14) &<< 4)
        }
        return sumi
    }

    /// One row of `nb` blocks · one Q8_K activation row (Q8_KActivations' layout, `stride` rows).
    @inline(__always)
    static func dot(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                    _ xd: UnsafePointer<Float>, _ nb: Int, stride: Int = 1) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 210 * b)
            let c = 8 * b * stride
            let sumi = block(blk, xe + 16 * c, xo + 16 * c, stride)
            acc = acc.addingProduct(SIMD8(repeating: xd[b * stride] * Kernels.half(blk, 208)), Kernels.float(sumi))
        }
        return Kernels.hsum(acc)
    }
}
