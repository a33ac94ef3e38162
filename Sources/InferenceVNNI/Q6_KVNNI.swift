#if arch(x86_64)
/// Q6_K weights · Q8_K activations for eight tokens at a time on AVX-512 VNNI, giving
/// the same integers per quad lane and the same float steps as Inference's AVX2 tile
/// (Q6_KKernel.dot8Tokens), so the same bits.
///
/// Activations as bytes x + 128 in element order (Q8_KActivations' byte copy): 32-element
/// chunk c of token t at x + 32·(c·stride + t). The weights' values w = q − 32 are signed
/// bytes, so `vpmaddubsw` (x + 128 unsigned, w signed: |pair sum| <= 2·255·32 < 32768)
/// then `vpdpwssd` with the 16-element scale give lane k += scale·Σ w·(x + 128) over
/// elements 4k..4k+3; the 128·scale·Σ w part depends on the row only and is taken off
/// once per block for all eight tokens.
public enum Q6_KVNNI {
    /// Group g (0..<4) of 128-element half n: its values q − 32, and the scales of its
    /// two 16-element halves, each on the 8 byte pairs of its elements.
    @inline(__always)
    static func group(_ blk: UnsafeRawPointer, _ n: Int, _ g: Int) -> (SIMD32<Int8>, SIMD16<Int16>) {
        // Low 4 bits from a nibble of ql[0..<32] or ql[32..<64] (by g's parity), top 2 from bits
        // 2g, 2g+1 of qh; two bytes per 16-bit lane (LLVM keeps 16-bit lanes in vectors; byte
        // lanes it handled one by one), each byte's masks keeping its neighbour out.
        let low = blk.loadUnaligned(fromByteOffset: 64 * n + 32 * (g & 1), as: SIMD16<UInt16>.self)
        let high = blk.loadUnaligned(fromByteOffset: 128 + 32 * n, as: SIMD16<UInt16>.self)
        let q = low &>> UInt16(4 * (g >> 1)) & 0x0F0F | (high &>> UInt16(2 * g) & 0x0303) &<< 4
        // q − 32 as a signed byte: flip bit 5, then copy it into bits 6 and 7 (sign extension from 6 bits).
        let flipped = q ^ 0x2020
        let w = flipped | (flipped & 0x2020) &<< 1 | (flipped & 0x2020) &<< 2
        let scales = (blk + 192 + 8 * n + 2 * g).assumingMemoryBound(to: Int8.self)
        let s0 = Int16(scales[0]), s1 = Int16(scales[1])
        return (unsafeBitCast(w, to: SIMD32<Int8>.self), SIMD16(s0, s0, s0, s0, s0, s0, s0, s0, s1, s1, s1, s1, s1, s1, s1, s1))
    }

    /// One row of `nb` blocks · eight tokens (x: the first token's bytes, xd its Q8_K d,
    /// `stride` tokens in the batch): each token's 8 float lanes before the final sum.
    @inline(never)
    public static func dot8Tokens(_ row: UnsafePointer<UInt8>, _ x: UnsafePointer<UInt8>, _ xd: UnsafePointer<Float>, _ nb: Int, stride: Int)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
        let ones = SIMD32<UInt8>(repeating: 1)
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 210 * b)
            var s0 = SIMD8<Int32>(), s1 = SIMD8<Int32>(), s2 = SIMD8<Int32>(), s3 = SIMD8<Int32>()
            var s4 = SIMD8<Int32>(), s5 = SIMD8<Int32>(), s6 = SIMD8<Int32>(), s7 = SIMD8<Int32>()
            var rowPart = SIMD8<Int32>()
            for n in 0..<2 {
                for g in 0..<4 {
                    let (w, scale) = group(blk, n, g)
                    rowPart = VNNI.dotPairs(rowPart, VNNI.dotBytePairs(ones, w), scale)
                    let chunk = UnsafeRawPointer(x + 32 * (8 * b + 4 * n + g) * stride)
                    @inline(__always)
                    func add(_ s: inout SIMD8<Int32>, _ t: Int) {
                        s = VNNI.dotPairs(s, VNNI.dotBytePairs(chunk.loadUnaligned(fromByteOffset: 32 * t, as: SIMD32<UInt8>.self), w), scale)
                    }
                    add(&s0, 0); add(&s1, 1); add(&s2, 2); add(&s3, 3)
                    add(&s4, 4); add(&s5, 5); add(&s6, 6); add(&s7, 7)
                }
            }
            let offset = rowPart &<< 7
            let dw = Float(Float16(bitPattern: blk.loadUnaligned(fromByteOffset: 208, as: UInt16.self)))
            let d = UnsafeRawPointer(xd + b * stride).loadUnaligned(as: SIMD8<Float>.self) * SIMD8(repeating: dw)
            a0 = a0.addingProduct(SIMD8(repeating: d[0]), SIMD8<Float>(s0 &- offset))
            a1 = a1.addingProduct(SIMD8(repeating: d[1]), SIMD8<Float>(s1 &- offset))
            a2 = a2.addingProduct(SIMD8(repeating: d[2]), SIMD8<Float>(s2 &- offset))
            a3 = a3.addingProduct(SIMD8(repeating: d[3]), SIMD8<Float>(s3 &- offset))
            a4 = a4.addingProduct(SIMD8(repeating: d[4]), SIMD8<Float>(s4 &- offset))
            a5 = a5.addingProduct(SIMD8(repeating: d[5]), SIMD8<Float>(s5 &- offset))
            a6 = a6.addingProduct(SIMD8(repeating: d[6]), SIMD8<Float>(s6 &- offset))
            a7 = a7.addingProduct(SIMD8(repeating: d[7]), SIMD8<Float>(s7 &- offset))
        }
        return (a0, a1, a2, a3, a4, a5, a6, a7)
    }
}
#endif
