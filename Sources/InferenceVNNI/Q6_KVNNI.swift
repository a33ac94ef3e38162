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
    /// The four groups (32 elements each) of 128-element half n as bytes q − 32: the low 4
    /// bits from the nibbles of ql[0..<64] of the half, the top 2 from the 2-bit fields of
    /// qh[0..<32]. Worked in 16-bit lanes (LLVM kept byte lanes' shifts and masks out of
    /// vectors), two bytes per lane, each byte's mask keeping its neighbour out; the top
    /// bits h become the signed high nibble h − 2 by a table lookup.
    @inline(__always)
    static func groups(_ blk: UnsafeRawPointer, _ n: Int) -> (SIMD32<Int8>, SIMD32<Int8>, SIMD32<Int8>, SIMD32<Int8>) {
        let ql0 = blk.loadUnaligned(fromByteOffset: 64 * n, as: SIMD16<UInt16>.self)
        let ql1 = blk.loadUnaligned(fromByteOffset: 64 * n + 32, as: SIMD16<UInt16>.self)
        let qh = blk.loadUnaligned(fromByteOffset: 128 + 32 * n, as: SIMD16<UInt16>.self)
        @inline(__always)
        func value(_ low: SIMD16<UInt16>, _ high: SIMD16<UInt16>) -> SIMD32<Int8> {
            // h − 2 for h = 0...3, shifted into the high nibble, in both 16-byte halves.
            let table = SIMD32<UInt8>(0xE0, 0xF0, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                      0xE0, 0xF0, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let top = VNNI.shuffleBytes(table, unsafeBitCast(high & 0x0303, to: SIMD32<UInt8>.self))
            return unsafeBitCast(low & 0x0F0F | unsafeBitCast(top, to: SIMD16<UInt16>.self), to: SIMD32<Int8>.self)
        }
        return (value(ql0, qh), value(ql1, qh &>> 2), value(ql0 &>> 4, qh &>> 4), value(ql1 &>> 4, qh &>> 6))
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
            // The 16 scales of 16 elements each, as 16-bit values.
            let scales = VNNI.widen(blk.loadUnaligned(fromByteOffset: 192, as: SIMD16<Int8>.self))
            var s0 = SIMD8<Int32>(), s1 = SIMD8<Int32>(), s2 = SIMD8<Int32>(), s3 = SIMD8<Int32>()
            var s4 = SIMD8<Int32>(), s5 = SIMD8<Int32>(), s6 = SIMD8<Int32>(), s7 = SIMD8<Int32>()
            var rowPart = SIMD8<Int32>()
            @inline(__always)
            func group(_ w: SIMD32<Int8>, _ n: Int, _ g: Int) {
                // Group g's two scales, each on the 8 byte pairs of its 16 elements.
                let i = 8 * n + 2 * g
                let first = scales[i], second = scales[i + 1]
                let scale = SIMD16<Int16>(first, first, first, first, first, first, first, first,
                                          second, second, second, second, second, second, second, second)
                rowPart = VNNI.dotPairsFused(rowPart, VNNI.dotBytePairs(ones, w), scale)
                let chunk = UnsafeRawPointer(x + 32 * (8 * b + 4 * n + g) * stride)
                @inline(__always)
                func add(_ s: inout SIMD8<Int32>, _ t: Int) {
                    s = VNNI.dotPairsFused(s, VNNI.dotBytePairs(chunk.loadUnaligned(fromByteOffset: 32 * t, as: SIMD32<UInt8>.self), w), scale)
                }
                add(&s0, 0); add(&s1, 1); add(&s2, 2); add(&s3, 3)
                add(&s4, 4); add(&s5, 5); add(&s6, 6); add(&s7, 7)
            }
            for n in 0..<2 {
                let (w0, w1, w2, w3) = groups(blk, n)
                group(w0, n, 0); group(w1, n, 1); group(w2, n, 2); group(w3, n, 3)
            }
            let offset = rowPart &<< 7
            let dw = Float(Float16(bitPattern: blk.loadUnaligned(fromByteOffset: 208, as: UInt16.self)))
            let d = UnsafeRawPointer(xd + b * stride).loadUnaligned(as: SIMD8<Float>.self) * SIMD8(repeating: dw)
            a0 = a0.addingProduct(SIMD8(repeating: d[0]), VNNI.float(s0 &- offset))
            a1 = a1.addingProduct(SIMD8(repeating: d[1]), VNNI.float(s1 &- offset))
            a2 = a2.addingProduct(SIMD8(repeating: d[2]), VNNI.float(s2 &- offset))
            a3 = a3.addingProduct(SIMD8(repeating: d[3]), VNNI.float(s3 &- offset))
            a4 = a4.addingProduct(SIMD8(repeating: d[4]), VNNI.float(s4 &- offset))
            a5 = a5.addingProduct(SIMD8(repeating: d[5]), VNNI.float(s5 &- offset))
            a6 = a6.addingProduct(SIMD8(repeating: d[6]), VNNI.float(s6 &- offset))
            a7 = a7.addingProduct(SIMD8(repeating: d[7]), VNNI.float(s7 &- offset))
        }
        return (a0, a1, a2, a3, a4, a5, a6, a7)
    }
}
#endif
