/// Q5_0 weights · Q8_0 activations (ggml_vec_dot_q5_0_q8_0, AVX2 path): per block
/// the quad sums of q_w·q_x (q_w = 5-bit value − 16) in 8 integer lanes, converted
/// to Float and fused-multiply-added with d_w·d_x into 8 float lanes, then hsum_float_8.
/// `L` says how a block's bytes are laid out (ggml's or `PackedQ5_0`'s); the arithmetic is the same.
enum Q5_0Kernel {
    /// A block's 32 values (−16…15) as (even, odd) 16-bit lanes, the halves `Kernels`
    /// pairs with the activations. Byte k holds element k (low nibble) and k + 16
    /// (high nibble); bit e of qh is element e's fifth bit.
    @inline(__always)
    static func ggmlHalves(_ block: UnsafeRawPointer) -> (SIMD16<Int16>, SIMD16<Int16>) {
        let qh = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        let nibbles = block.loadUnaligned(fromByteOffset: 6, as: SIMD16<UInt8>.self)
        // The 32 values in element order as bytes, nibble | fifth bit · 16.
        let first = nibbles & 0x0F | spreadBits(qh), second = nibbles &>> 4 | spreadBits(qh >> 16)
        // Read as 16-bit lanes, lane i holds elements 2i (low byte) and 2i+1 (high byte).
        let pairs = unsafeBitCast((first, second), to: SIMD16<UInt16>.self)
        let bias = SIMD16<Int16>(repeating: 16)
        return (unsafeBitCast(pairs & 0xFF, to: SIMD16<Int16>.self) &- bias, unsafeBitCast(pairs &>> 8, to: SIMD16<Int16>.self) &- bias)
    }

    /// Byte i = 16 when bit i of the low 16 bits of x is set, else 0.
    @inline(__always)
    static func spreadBits(_ x: UInt32) -> SIMD16<UInt8> {
        @inline(__always)
        func eight(_ b: UInt32) -> UInt64 {
            let m = (UInt64(b & 0xFF) &* 0x0101_0101_0101_0101) & 0x8040_2010_0804_0201
            return ((m &+ 0x7F7F_7F7F_7F7F_7F7F) & 0x8080_8080_8080_8080) >> 3
        }
        return unsafeBitCast(SIMD2<UInt64>(eight(x), eight(x >> 8)), to: SIMD16<UInt8>.self)
    }

    /// One row · one activation row; activation block b at xe/xo + 16·b·stride, xd[b·stride].
    @inline(__always)
    static func dot<L: Q5_0Layout>(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                                   _ xd: UnsafePointer<Float>, _ nb: Int, stride: Int = 1, layout _: L.Type = GGMLQ5_0.self) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 22 * b)
            let (we, wo) = L.halves(blk)
            let q = Kernels.quadSums(we, Kernels.load16(xe + 16 * b * stride), wo, Kernels.load16(xo + 16 * b * stride))
            acc = acc.addingProduct(SIMD8(repeating: Kernels.half(blk, 0) * xd[b * stride]), q)
        }
        return Kernels.hsum(acc)
    }

    /// Four consecutive rows · one activation row (decode: activation loads shared).
    @inline(__always)
    static func dot4Rows<L: Q5_0Layout>(_ row: UnsafePointer<UInt8>, _ rowBytes: Int, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                                        _ xd: UnsafePointer<Float>, _ nb: Int, layout _: L.Type = GGMLQ5_0.self) -> (Float, Float, Float, Float) {
        let r0 = UnsafeRawPointer(row), r1 = r0 + rowBytes, r2 = r0 + 2 * rowBytes, r3 = r0 + 3 * rowBytes
        let ahead = r0 + 8 * rowBytes
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<nb {
            // A group of four rows is 88·nb bytes: two lines per block step.
            Prefetch.read(ahead + 88 * b)
            Prefetch.read(ahead + 88 * b + 64)
            let e = Kernels.load16(xe + 16 * b), o = Kernels.load16(xo + 16 * b)
            let dx = xd[b]
            let (we0, wo0) = L.halves(r0 + 22 * b)
            a0 = a0.addingProduct(SIMD8(repeating: Kernels.half(r0, 22 * b) * dx), Kernels.quadSums(we0, e, wo0, o))
            let (we1, wo1) = L.halves(r1 + 22 * b)
            a1 = a1.addingProduct(SIMD8(repeating: Kernels.half(r1, 22 * b) * dx), Kernels.quadSums(we1, e, wo1, o))
            let (we2, wo2) = L.halves(r2 + 22 * b)
            a2 = a2.addingProduct(SIMD8(repeating: Kernels.half(r2, 22 * b) * dx), Kernels.quadSums(we2, e, wo2, o))
            let (we3, wo3) = L.halves(r3 + 22 * b)
            a3 = a3.addingProduct(SIMD8(repeating: Kernels.half(r3, 22 * b) * dx), Kernels.quadSums(we3, e, wo3, o))
        }
        return (Kernels.hsum(a0), Kernels.hsum(a1), Kernels.hsum(a2), Kernels.hsum(a3))
    }

    /// One row · four activation rows of a batch (Activations' interleaved layout,
    /// `stride` rows): each weight block is decoded once.
    @inline(__always)
    static func dot4Tokens<L: Q5_0Layout>(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                                          _ xd: UnsafePointer<Float>, _ stride: Int, _ nb: Int, layout _: L.Type = GGMLQ5_0.self) -> SIMD4<Float> {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 22 * b)
            let (we, wo) = L.halves(blk)
            let dw = Kernels.half(blk, 0)
            let e = xe + 16 * b * stride, o = xo + 16 * b * stride, d = xd + b * stride
            a0 = a0.addingProduct(SIMD8(repeating: dw * d[0]), Kernels.quadSums(we, Kernels.load16(e), wo, Kernels.load16(o)))
            a1 = a1.addingProduct(SIMD8(repeating: dw * d[1]), Kernels.quadSums(we, Kernels.load16(e + 16), wo, Kernels.load16(o + 16)))
            a2 = a2.addingProduct(SIMD8(repeating: dw * d[2]), Kernels.quadSums(we, Kernels.load16(e + 32), wo, Kernels.load16(o + 32)))
            a3 = a3.addingProduct(SIMD8(repeating: dw * d[3]), Kernels.quadSums(we, Kernels.load16(e + 48), wo, Kernels.load16(o + 48)))
        }
        return SIMD4(Kernels.hsum(a0), Kernels.hsum(a1), Kernels.hsum(a2), Kernels.hsum(a3))
    }

    /// One row · eight activation rows of a batch (prompt): a block's decoding is the
    /// larger part of its work, so it is shared by twice the tokens of `dot4Tokens`
    /// while the eight accumulators still fit the 16 vector registers. The eight
    /// products d_w·d_x of a block are formed in one vector multiply into `scales`
    /// (8·nb floats) first, so the inner loop broadcasts them from memory instead of
    /// a scalar multiply and a shuffle per token. Each token's float steps are `dot`'s,
    /// so the values are bit for bit the same.
    @inline(__always)
    static func dot8Tokens<L: Q5_0Layout>(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                                          _ xd: UnsafePointer<Float>, _ stride: Int, _ nb: Int, _ scales: UnsafeMutablePointer<Float>,
                                          layout _: L.Type = GGMLQ5_0.self) -> SIMD8<Float> {
        for b in 0..<nb {
            let dx = UnsafeRawPointer(xd + b * stride).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(scales + 8 * b).storeBytes(of: SIMD8(repeating: Kernels.half(row, 22 * b)) * dx, as: SIMD8<Float>.self)
        }
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
        for b in 0..<nb {
            let (we, wo) = L.halves(UnsafeRawPointer(row + 22 * b))
            let e = xe + 16 * b * stride, o = xo + 16 * b * stride, s = scales + 8 * b
            @inline(__always)
            func step(_ acc: inout SIMD8<Float>, _ t: Int) {
                acc = acc.addingProduct(SIMD8(repeating: s[t]), Kernels.quadSums(we, Kernels.load16(e + 16 * t), wo, Kernels.load16(o + 16 * t)))
            }
            step(&a0, 0); step(&a1, 1); step(&a2, 2); step(&a3, 3)
            step(&a4, 4); step(&a5, 5); step(&a6, 6); step(&a7, 7)
        }
        return SIMD8(Kernels.hsum(a0), Kernels.hsum(a1), Kernels.hsum(a2), Kernels.hsum(a3),
                     Kernels.hsum(a4), Kernels.hsum(a5), Kernels.hsum(a6), Kernels.hsum(a7))
    }
}

/// Where a Q5_0 block's 32 values are: both layouts keep the Float16 d at byte 0.
protocol Q5_0Layout {
    /// The block's values as (even, odd) 16-bit lanes: lane i holds elements 2i and 2i + 1.
    static func halves(_ block: UnsafeRawPointer) -> (SIMD16<Int16>, SIMD16<Int16>)
}

/// ggml's block_q5_0, as read from the file.
enum GGMLQ5_0: Q5_0Layout {
    @inline(__always)
    static func halves(_ block: UnsafeRawPointer) -> (SIMD16<Int16>, SIMD16<Int16>) { Q5_0Kernel.ggmlHalves(block) }
}
