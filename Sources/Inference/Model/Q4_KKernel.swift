#if arch(x86_64)
import InferenceVNNI
#endif

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

    /// A row's values with their sub-block scales multiplied in (15·63 fits 16 bits),
    /// 256 per block in `values`' order, for `dot8Tokens`. Not inlined on purpose: seen
    /// through, the known ranges of the products lead LLVM to widen them to 32 bits and
    /// use 32-bit multiplies instead of one pair product (`vpmaddwd`) per 16 values.
    @inline(never)
    static func scaledRow(_ row: UnsafePointer<UInt8>, _ nb: Int, into out: UnsafeMutablePointer<Int16>) {
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 144 * b)
            let (sc, _) = scalesAndMins(blk)
            for j in 0..<4 {
                let (le, lo, he, ho) = values(blk, j)
                let low = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: sc[2 * j]))
                let high = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: sc[2 * j + 1]))
                let at = UnsafeMutableRawPointer(out + 256 * b + 64 * j)
                at.storeBytes(of: le &* low, as: SIMD16<Int16>.self)
                at.storeBytes(of: lo &* low, toByteOffset: 32, as: SIMD16<Int16>.self)
                at.storeBytes(of: he &* high, toByteOffset: 64, as: SIMD16<Int16>.self)
                at.storeBytes(of: ho &* high, toByteOffset: 96, as: SIMD16<Int16>.self)
            }
        }
    }

    /// One row · eight activation rows of a batch (prompt). The row's values come
    /// scaled from `scaledRow` (into `scaled`, 256·nb Int16), so each token's integer
    /// sum is one pair product per 16 values; the eight tokens' quad lanes are reduced
    /// together into one vector of totals, and the mins' sums, the Float conversions
    /// and the fused multiply-adds run with a token per lane (the same operations per
    /// token as `dot`, so the values are bit for bit the same).
    @inline(__always)
    static func dot8Tokens(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                           _ xd: UnsafePointer<Float>, _ sums: UnsafePointer<Int32>, _ nb: Int, stride: Int,
                           _ scaled: UnsafeMutablePointer<Int16>) -> SIMD8<Float> {
        scaledRow(row, nb, into: scaled)
        var acc = SIMD8<Float>(), accMin = SIMD8<Float>()
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 144 * b)
            let c = 8 * b * stride
            var s0 = SIMD8<Int32>(), s1 = SIMD8<Int32>(), s2 = SIMD8<Int32>(), s3 = SIMD8<Int32>()
            var s4 = SIMD8<Int32>(), s5 = SIMD8<Int32>(), s6 = SIMD8<Int32>(), s7 = SIMD8<Int32>()
            for j in 0..<4 {
                let w = scaled + 256 * b + 64 * j
                let lowEven = Kernels.load16(w), lowOdd = Kernels.load16(w + 16)
                let highEven = Kernels.load16(w + 32), highOdd = Kernels.load16(w + 48)
                let e0 = xe + 16 * (c + 2 * j * stride), o0 = xo + 16 * (c + 2 * j * stride)
                let e1 = xe + 16 * (c + (2 * j + 1) * stride), o1 = xo + 16 * (c + (2 * j + 1) * stride)
                @inline(__always)
                func add(_ s: inout SIMD8<Int32>, _ t: Int) {
                    s &+= Kernels.quadInts(lowEven, Kernels.load16(e0 + 16 * t), lowOdd, Kernels.load16(o0 + 16 * t))
                        &+ Kernels.quadInts(highEven, Kernels.load16(e1 + 16 * t), highOdd, Kernels.load16(o1 + 16 * t))
                }
                add(&s0, 0); add(&s1, 1); add(&s2, 2); add(&s3, 3)
                add(&s4, 4); add(&s5, 5); add(&s6, 6); add(&s7, 7)
            }
            let totals = laneTotals(s0, s1, s2, s3, s4, s5, s6, s7)
            let (_, mins) = scalesAndMins(blk)
            var minTotals = SIMD8<Int32>()
            for k in 0..<8 {
                minTotals &+= SIMD8(repeating: mins[k]) &* UnsafeRawPointer(sums + c + k * stride).loadUnaligned(as: SIMD8<Int32>.self)
            }
            let dy = UnsafeRawPointer(xd + b * stride).loadUnaligned(as: SIMD8<Float>.self)
            acc = acc.addingProduct(Kernels.float(totals), SIMD8(repeating: Kernels.half(blk, 0)) * dy)
            accMin = accMin.addingProduct(Kernels.float(minTotals), SIMD8(repeating: Kernels.half(blk, 2)) * dy)
        }
        return acc - accMin
    }

    /// Lane t: the sum of s_t's eight lanes (a tree of pairwise sums, then the two halves).
    @inline(__always)
    static func laneTotals(_ s0: SIMD8<Int32>, _ s1: SIMD8<Int32>, _ s2: SIMD8<Int32>, _ s3: SIMD8<Int32>,
                           _ s4: SIMD8<Int32>, _ s5: SIMD8<Int32>, _ s6: SIMD8<Int32>, _ s7: SIMD8<Int32>) -> SIMD8<Int32> {
        /// Per 128-bit half: a's two pair sums, then b's (vphaddd's lane order).
        @inline(__always)
        func pairs(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
            SIMD8(a[0], a[2], b[0], b[2], a[4], a[6], b[4], b[6]) &+ SIMD8(a[1], a[3], b[1], b[3], a[5], a[7], b[5], b[7])
        }
        let q0 = pairs(pairs(s0, s1), pairs(s2, s3)), q1 = pairs(pairs(s4, s5), pairs(s6, s7))
        return SIMD8(lowHalf: q0.lowHalf &+ q0.highHalf, highHalf: q1.lowHalf &+ q1.highHalf)
    }

    #if arch(x86_64)
    /// A row's sub-block scales and mins, per block the 8 scales then the 8 mins, for the
    /// VNNI tile (`dot8TokensVNNI`).
    static func rowScalesAndMins(_ row: UnsafePointer<UInt8>, _ nb: Int, into out: UnsafeMutablePointer<Int16>) {
        for b in 0..<nb {
            let q = UnsafeRawPointer(row + 144 * b + 4).assumingMemoryBound(to: UInt8.self)
            for j in 0..<8 {
                let (s, m) = Dequantize.q4_KScaleMin(j, q)
                out[16 * b + j] = Int16(s)
                out[16 * b + 8 + j] = Int16(m)
            }
        }
    }

    /// `dot8Tokens` on AVX-512 VNNI (InferenceVNNI; the CPU must have it): the same bits,
    /// from the activations' byte copy (`Activations.bytesK`); `scales` takes 16·nb values.
    @inline(__always)
    static func dot8TokensVNNI(_ row: UnsafePointer<UInt8>, _ x: UnsafePointer<UInt8>, _ xd: UnsafePointer<Float>, _ sums: UnsafePointer<Int32>,
                               _ nb: Int, stride: Int, _ scales: UnsafeMutablePointer<Int16>) -> SIMD8<Float> {
        rowScalesAndMins(row, nb, into: scales)
        return Q4_KVNNI.dot8Tokens(row, scales, x, xd, sums, nb, stride: stride)
    }
    #endif
}
