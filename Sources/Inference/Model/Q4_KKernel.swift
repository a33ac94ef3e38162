/// Q4_K weights · Q8_K activations (ggml_vec_dot_q4_K_q8_K, AVX2 path). Per 256-element
/// block: integer lanes Σ_sub-blocks scale·(quad sums of q_w·q_x), Float-converted and
/// fused-multiply-added with d_x·d_w into 8 float lanes; the mins term as 4 lanes of
/// min pairs · sub-block sums of q_x, fused-multiply-added with −d_x·dmin_w. The result
/// is hsum_float_8 of the first plus ((m0+m2)+(m1+m3)) of the second.
enum Q4_KKernel {
    /// The 8 sub-block scales and mins of a block (6 bits each, packed in 12 bytes).
    @inline(__always)
    static func scalesAndMins(_ block: UnsafeRawPointer) -> (SIMD8<Int32>, SIMD8<Int32>) {
        let q = (block + 4).assumingMemoryBound(to: UInt8.self)
        var sc = SIMD8<Int32>(), m = SIMD8<Int32>()
        for j in 0..<8 {
            let (s, mn) = Dequantize.q4_KScaleMin(j, q)
            sc[j] = Int32(s)
            m[j] = Int32(mn)
        }
        return (sc, m)
    }

    /// One block's integer parts: the 8 scaled quad lanes and the 4 lanes of mins·sums.
    /// Activation chunk c (0..<8) at xe/xo + 16·c·stride, its sum at sums[c·stride].
    @inline(__always)
    static func block(_ blk: UnsafeRawPointer, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                      _ sums: UnsafePointer<Int32>, _ stride: Int) -> (SIMD8<Int32>, SIMD4<Int32>) {
        let (sc, mins) = scalesAndMins(blk)
        var prod = SIMD4<Int32>()
        for j in 0..<4 {
            prod[j] = mins[2 * j] &* sums[2 * j * stride] &+ mins[2 * j + 1] &* sums[(2 * j + 1) * stride]
        }
        var sumi = SIMD8<Int32>()
        for j in 0..<4 {
            // 32 bytes: sub-block 2j in the low nibbles, 2j+1 in the high ones.
            let pairs = blk.loadUnaligned(fromByteOffset: 16 + 32 * j, as: SIMD16<UInt16>.self)
            let lowEven = unsafeBitCast(pairs & 0x0F, to: SIMD16<Int16>.self)
            let lowOdd = unsafeBitCast(pairs &>> 8 & 0x0F, to: SIMD16<Int16>.self)
            let highEven = unsafeBitCast(pairs &>> 4 & 0x0F, to: SIMD16<Int16>.self)
            let highOdd = unsafeBitCast(pairs &>> 12, to: SIMD16<Int16>.self)
            let c0 = 2 * j * stride, c1 = (2 * j + 1) * stride
            let low = Kernels.quadInts(lowEven, Kernels.load16(xe + 16 * c0), lowOdd, Kernels.load16(xo + 16 * c0))
            let high = Kernels.quadInts(highEven, Kernels.load16(xe + 16 * c1), highOdd, Kernels.load16(xo + 16 * c1))
            sumi &+= SIMD8(repeating: sc[2 * j]) &* low &+ SIMD8(repeating: sc[2 * j + 1]) &* high
        }
        return (sumi, prod)
    }

    /// One row of `nb` blocks · one Q8_K activation row (Q8_KActivations' layout, `stride` rows).
    @inline(__always)
    static func dot(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                    _ xd: UnsafePointer<Float>, _ sums: UnsafePointer<Int32>, _ nb: Int, stride: Int = 1) -> Float {
        var acc = SIMD8<Float>(), accM = SIMD4<Float>()
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 144 * b)
            let dy = xd[b * stride]
            let c = 8 * b * stride
            let (sumi, prod) = block(blk, xe + 16 * c, xo + 16 * c, sums + c, stride)
            var prodF = SIMD4<Float>()
            for j in 0..<4 { prodF[j] = Float(prod[j]) }
            accM = accM.addingProduct(SIMD4(repeating: -dy * Kernels.half(blk, 2)), prodF)
            acc = acc.addingProduct(SIMD8(repeating: dy * Kernels.half(blk, 0)), Kernels.float(sumi))
        }
        return Kernels.hsum(acc) + ((accM[0] + accM[2]) + (accM[1] + accM[3]))
    }
}
