/// Q5_0 blocks repacked once at load, in place and block by block (22 bytes each,
/// so rows keep their size and the Float16 d stays at byte 0):
///
///     [Float16 d][UInt32 missing fifth bits][16 nibble bytes]
///
/// Nibble byte j holds element 2j in its low and element 2j+1 in its high nibble
/// (as `PackedQ4_1`), so `& 15` and `>> 4` of the widened bytes are the even and
/// odd halves the activations are stored in. Bit j of the UInt32 is set when
/// element 2j's fifth bit is clear, bit 16 + j the same for element 2j+1: the
/// value q − 16 is then the nibble minus 16 when the bit is set, which a multiply
/// and a shift per 16 lanes give, instead of ggml's bit spreading. The values, so
/// the integer sums and the float order, are ggml's.
///
/// As for Q4_1, the mapping is private: the rewritten pages are copies that
/// replace the file's pages in this process, so resident memory stays the same.
enum PackedQ5_0: Q5_0Layout {
    /// Rewrites `blocks` consecutive Q5_0 blocks inside the read-only mapping.
    static func repackMapped(_ data: UnsafeMutablePointer<UInt8>, blocks: Int) throws {
        try PackedQ4_1.makeWritable(UnsafeMutableRawPointer(data), 22 * blocks)
        repack(data, blocks: blocks)
    }

    /// Rewrites `blocks` consecutive Q5_0 blocks at `data` (writable memory).
    static func repack(_ data: UnsafeMutablePointer<UInt8>, blocks: Int) {
        var nibbles = [UInt8](repeating: 0, count: 16)
        for b in 0..<blocks {
            let blk = data + 22 * b
            let qh = UInt32(blk[2]) | UInt32(blk[3]) << 8 | UInt32(blk[4]) << 16 | UInt32(blk[5]) << 24
            for j in 0..<16 { nibbles[j] = blk[6 + j] }
            func nibble(_ i: Int) -> UInt8 { i < 16 ? nibbles[i] & 15 : nibbles[i - 16] >> 4 }
            var missing: UInt32 = 0
            for j in 0..<16 {
                blk[6 + j] = nibble(2 * j) | nibble(2 * j + 1) << 4
                missing |= (~qh >> UInt32(2 * j) & 1) << UInt32(j)
                missing |= (~qh >> UInt32(2 * j + 1) & 1) << UInt32(16 + j)
            }
            for k in 0..<4 { blk[2 + k] = UInt8(truncatingIfNeeded: missing >> UInt32(8 * k)) }
        }
    }

    @inline(__always)
    static func halves(_ block: UnsafeRawPointer) -> (SIMD16<Int16>, SIMD16<Int16>) {
        let missing = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        let bytes = block.loadUnaligned(fromByteOffset: 6, as: SIMD16<UInt8>.self)
        var v = SIMD16<UInt16>()
        for i in 0..<16 { v[i] = UInt16(bytes[i]) }
        let even = (v & 15) &- sixteens(UInt16(truncatingIfNeeded: missing))
        let odd = (v &>> 4) &- sixteens(UInt16(truncatingIfNeeded: missing >> 16))
        return (unsafeBitCast(even, to: SIMD16<Int16>.self), unsafeBitCast(odd, to: SIMD16<Int16>.self))
    }

    /// Lane i = 16 when bit i of `bits` is set, else 0: the bit is moved to bit 15
    /// by a per-lane multiply, then down to bit 4.
    @inline(__always)
    static func sixteens(_ bits: UInt16) -> SIMD16<UInt16> {
        let bit = SIMD16<UInt16>(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
        let toTop = SIMD16<UInt16>(32768, 16384, 8192, 4096, 2048, 1024, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1)
        return ((SIMD16<UInt16>(repeating: bits) & bit) &* toTop) &>> 11
    }
}
