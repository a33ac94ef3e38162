/// Q4_K weights · Q8_K activations as llama.cpp's x86 CPU backend computes them. With
/// AVX2 it repacks Q4_K matrices whose row count is a multiple of 8 (every Q4_K matrix of
/// the models we run) and multiplies with ggml_gemv_q4_K_8x8_q8_K (one token) and
/// ggml_gemm_q4_K_8x8_q8_K (groups of four), not ggml_vec_dot_q4_K_q8_K: per 256-element
/// block the whole block's integer sums, Σ scale·q_w·q_x and Σ min·(sub-block sum of
/// q_x), each fused-multiply-added into one float per output, with d_w·d_x and
/// dmin_w·d_x; the result is the first minus the second. The integer sums are formed
/// here in 8 quad lanes (the order of integer additions does not matter).
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

    /// A block's 8 sub-blocks of 4-bit values as (even, odd) 16-bit lanes.
    @inline(__always)
    static func values(_ blk: UnsafeRawPointer, _ j: Int) -> (SIMD16<Int16>, SIMD16<Int16>, SIMD16<Int16>, SIMD16<Int16>) {
        // 32 bytes: sub-block 2j in the low nibbles, 2j+1 in the high ones.
        let pairs = blk.loadUnaligned(fromByteOffset: 16 + 32 * j, as: SIMD16<UInt16>.self)
        return (unsafeBitCast(pairs & 0x0F, to: SIMD16<Int16>.self), unsafeBitCast(pairs &>> 8 & 0x0F, to: SIMD16<Int16>.self),
                unsafeBitCast(pairs &>> 4 & 0x0F, to: SIMD16<Int16>.self), unsafeBitCast(pairs &>> 12, to: SIMD16<Int16>.self))
    }

    /// One block's integer parts: the 8 scaled quad lanes and the 4 lanes of mins·sums.
    /// Activation chunk c (0..<8) at xe/xo + 16·c·stride, its sum at sums[c·stride].
    @inline(__always)
    static func block(_ blk: UnsafeRawPointer, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                      _ sums: UnsafePointer<Int32>, _ stride: Int) -> (SIMD8<Int32>, SIMD4<Int32>) {
        let (sc, mins) = scalesAndMins(blk)
        var sumi = SIMD8<Int32>()
        for j in 0..<4 {
            let (lowEven, lowOdd, highEven, highOdd) = values(blk, j)
            sumi &+= scaledQuads(sc, j, lowEven, lowOdd, highEven, highOdd, xe, xo, stride)
        }
        return (sumi, minsProducts(mins, sums, stride))
    }

    @inline(__always)
    static func scaledQuads(_ sc: SIMD8<Int32>, _ j: Int, _ lowEven: SIMD16<Int16>, _ lowOdd: SIMD16<Int16>,
                            _ highEven: SIMD16<Int16>, _ highOdd: SIMD16<Int16>,
                            _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>, _ stride: Int) -> SIMD8<Int32> {
        let c0 = 2 * j * stride, c1 = (2 * j + 1) * stride
        let low = Kernels.quadInts(lowEven, Kernels.load16(xe + 16 * c0), lowOdd, Kernels.load16(xo + 16 * c0))
        let high = Kernels.quadInts(highEven, Kernels.load16(xe + 16 * c1), highOdd, Kernels.load16(xo + 16 * c1))
        return SIMD8(repeating: sc[2 * j]) &* low &+ SIMD8(repeating: sc[2 * j + 1]) &* high
    }

    /// Lane j: mins[2j]·sum(chunk 2j) + mins[2j+1]·sum(chunk 2j+1) (the _mm_madd_epi16 of mins and q8 sums).
    @inline(__always)
    static func minsProducts(_ mins: SIMD8<Int32>, _ sums: UnsafePointer<Int32>, _ stride: Int) -> SIMD4<Int32> {
        var prod = SIMD4<Int32>()
        for j in 0..<4 {
            prod[j] = mins[2 * j] &* sums[2 * j * stride] &+ mins[2 * j + 1] &* sums[(2 * j + 1) * stride]
        }
        return prod
    }

    /// The float steps of one block for one activation row (dy its Q8_K d).
    @inline(__always)
    static func accumulate(_ acc: inout Float, _ accMin: inout Float, _ blk: UnsafeRawPointer, _ dy: Float,
                           _ sumi: SIMD8<Int32>, _ prod: SIMD4<Int32>) {
        acc = acc.addingProduct(Float(sumi.wrappedSum()), Kernels.half(blk, 0) * dy)
        accMin = accMin.addingProduct(Float(prod.wrappedSum()), Kernels.half(blk, 2) * dy)
    }

    /// One row of `nb` blocks · one Q8_K activation row (Q8_KActivations' layout, `stride` rows).
    @inline(__always)
    static func dot(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                    _ xd: UnsafePointer<Float>, _ sums: UnsafePointer<Int32>, _ nb: Int, stride: Int = 1) -> Float {
        var acc: Float = 0, accMin: Float = 0
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 144 * b)
            let c = 8 * b * stride
            let (sumi, prod) = block(blk, xe + 16 * c, xo + 16 * c, sums + c, stride)
            accumulate(&acc, &accMin, blk, xd[b * stride], sumi, prod)
        }
        return acc - accMin
    }

    /// One row · four consecutive activation rows of a batch (`stride` rows): each
    /// block's scales and values are decoded once for the four.
    @inline(__always)
    static func dot4Tokens(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                           _ xd: UnsafePointer<Float>, _ sums: UnsafePointer<Int32>, _ nb: Int, stride: Int) -> SIMD4<Float> {
        var a0: Float = 0, a1: Float = 0, a2: Float = 0, a3: Float = 0
        var m0: Float = 0, m1: Float = 0, m2: Float = 0, m3: Float = 0
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 144 * b)
            let (sc, mins) = scalesAndMins(blk)
            let c = 8 * b * stride
            let e = xe + 16 * c, o = xo + 16 * c
            var s0 = SIMD8<Int32>(), s1 = SIMD8<Int32>(), s2 = SIMD8<Int32>(), s3 = SIMD8<Int32>()
            for j in 0..<4 {
                let (le, lo, he, ho) = values(blk, j)
                s0 &+= scaledQuads(sc, j, le, lo, he, ho, e, o, stride)
                s1 &+= scaledQuads(sc, j, le, lo, he, ho, e + 16, o + 16, stride)
                s2 &+= scaledQuads(sc, j, le, lo, he, ho, e + 32, o + 32, stride)
                s3 &+= scaledQuads(sc, j, le, lo, he, ho, e + 48, o + 48, stride)
            }
            let d = xd + b * stride, sm = sums + c
            accumulate(&a0, &m0, blk, d[0], s0, minsProducts(mins, sm, stride))
            accumulate(&a1, &m1, blk, d[1], s1, minsProducts(mins, sm + 1, stride))
            accumulate(&a2, &m2, blk, d[2], s2, minsProducts(mins, sm + 2, stride))
            accumulate(&a3, &m3, blk, d[3], s3, minsProducts(mins, sm + 3, stride))
        }
        return SIMD4(a0 - m0, a1 - m1, a2 - m2, a3 - m3)
    }
}
