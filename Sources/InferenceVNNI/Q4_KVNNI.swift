#if arch(x86_64)
/// Q4_K weights · Q8_K activations for eight tokens at a time on AVX-512 VNNI, giving
/// the same integer block sums and the same float steps as Inference's AVX2 tile
/// (Q4_KKernel.dot8Tokens), so the same bits.
///
/// Activations as bytes x + 128 in element order (Q8_KActivations' byte copy): 32-element
/// chunk c of token t at x + 32·(c·stride + t). `vpmaddubsw` (x + 128 unsigned, the 4-bit
/// values signed: pair sums <= 2·255·15) then `vpdpwssd` with the sub-block's scale add
/// scale·Σ q·(x + 128); the 128·Σ scale·q part depends on the row only and is taken off
/// once per block for all eight tokens.
public enum Q4_KVNNI {
    /// One row of `nb` blocks · eight tokens (x: the first token's bytes, xd its Q8_K d,
    /// sums its 32-element sums, `stride` tokens in the batch); `scalesAndMins`: per block
    /// the 8 sub-block scales, then the 8 mins. Token t's result in lane t.
    @inline(never)
    public static func dot8Tokens(_ row: UnsafePointer<UInt8>, _ scalesAndMins: UnsafePointer<Int16>, _ x: UnsafePointer<UInt8>,
                                  _ xd: UnsafePointer<Float>, _ sums: UnsafePointer<Int32>, _ nb: Int, stride: Int) -> SIMD8<Float> {
        var acc = SIMD8<Float>(), accMin = SIMD8<Float>()
        let ones = SIMD32<UInt8>(repeating: 1)
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 144 * b)
            let sc = scalesAndMins + 16 * b
            let c = 8 * b * stride
            var s0 = SIMD8<Int32>(), s1 = SIMD8<Int32>(), s2 = SIMD8<Int32>(), s3 = SIMD8<Int32>()
            var s4 = SIMD8<Int32>(), s5 = SIMD8<Int32>(), s6 = SIMD8<Int32>(), s7 = SIMD8<Int32>()
            var rowPart = SIMD8<Int32>()
            for j in 0..<4 {
                // 32 bytes: sub-block 2j in the low nibbles, 2j+1 in the high ones (16-bit lanes:
                // LLVM keeps those in vectors).
                let pairs = blk.loadUnaligned(fromByteOffset: 16 + 32 * j, as: SIMD16<UInt16>.self)
                let low = unsafeBitCast(pairs & 0x0F0F, to: SIMD32<Int8>.self)
                let high = unsafeBitCast(pairs &>> 4 & 0x0F0F, to: SIMD32<Int8>.self)
                let lowScale = SIMD16<Int16>(repeating: sc[2 * j]), highScale = SIMD16<Int16>(repeating: sc[2 * j + 1])
                rowPart = VNNI.dotPairsFused(VNNI.dotPairsFused(rowPart, VNNI.dotBytePairs(ones, low), lowScale), VNNI.dotBytePairs(ones, high), highScale)
                let x0 = UnsafeRawPointer(x + 32 * (c + 2 * j * stride)), x1 = UnsafeRawPointer(x + 32 * (c + (2 * j + 1) * stride))
                @inline(__always)
                func add(_ s: inout SIMD8<Int32>, _ t: Int) {
                    s = VNNI.dotPairsFused(s, VNNI.dotBytePairs(x0.loadUnaligned(fromByteOffset: 32 * t, as: SIMD32<UInt8>.self), low), lowScale)
                    s = VNNI.dotPairsFused(s, VNNI.dotBytePairs(x1.loadUnaligned(fromByteOffset: 32 * t, as: SIMD32<UInt8>.self), high), highScale)
                }
                add(&s0, 0); add(&s1, 1); add(&s2, 2); add(&s3, 3)
                add(&s4, 4); add(&s5, 5); add(&s6, 6); add(&s7, 7)
            }
            let totals = laneTotals(s0, s1, s2, s3, s4, s5, s6, s7) &- SIMD8(repeating: rowPart.wrappedSum() &<< 7)
            var minTotals = SIMD8<Int32>()
            for k in 0..<8 {
                minTotals &+= SIMD8(repeating: Int32(sc[8 + k])) &* UnsafeRawPointer(sums + c + k * stride).loadUnaligned(as: SIMD8<Int32>.self)
            }
            let dy = UnsafeRawPointer(xd + b * stride).loadUnaligned(as: SIMD8<Float>.self)
            let d = Float(Float16(bitPattern: blk.loadUnaligned(as: UInt16.self)))
            let dmin = Float(Float16(bitPattern: blk.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
            acc = acc.addingProduct(VNNI.float(totals), SIMD8(repeating: d) * dy)
            accMin = accMin.addingProduct(VNNI.float(minTotals), SIMD8(repeating: dmin) * dy)
        }
        return acc - accMin
    }

    /// Lane t: the sum of s_t's eight lanes (pairwise sums within 128-bit halves, vphaddd's
    /// order, then the two halves).
    @inline(__always)
    static func laneTotals(_ s0: SIMD8<Int32>, _ s1: SIMD8<Int32>, _ s2: SIMD8<Int32>, _ s3: SIMD8<Int32>,
                           _ s4: SIMD8<Int32>, _ s5: SIMD8<Int32>, _ s6: SIMD8<Int32>, _ s7: SIMD8<Int32>) -> SIMD8<Int32> {
        @inline(__always)
        func pairs(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
            SIMD8(a[0], a[2], b[0], b[2], a[4], a[6], b[4], b[6]) &+ SIMD8(a[1], a[3], b[1], b[3], a[5], a[7], b[5], b[7])
        }
        let q0 = pairs(pairs(s0, s1), pairs(s2, s3)), q1 = pairs(pairs(s4, s5), pairs(s6, s7))
        return SIMD8(lowHalf: q0.lowHalf &+ q0.highHalf, highHalf: q1.lowHalf &+ q1.highHalf)
    }
}
#endif
