import Glibc

/// Q4_1 weights repacked once at load, in place, so the decode and prompt
/// kernels read them with few instructions. Same bytes per row as ggml's layout:
///
///     [nb × 16 nibble bytes][nb × Float16 d][nb × Float16 m]
///
/// Nibble byte j of a block holds element 2j in its low and element 2j+1 in its
/// high nibble. Widened to 16-bit lanes, `& 15` then gives the even elements and
/// `>> 4` the odd ones: exactly the halves `Kernels.quantizeRow` stores for the
/// activations, so lane pairs (2k, 2k+1) of the products hold elements 4k…4k+3,
/// ggml's quad sums. The arithmetic (integer sums, float order) is unchanged.
///
/// The mapping is private, so writing makes copy-on-write pages that replace the
/// file's pages in this process: resident memory stays what it was.
enum PackedQ4_1 {
    /// Rewrites `rows` consecutive Q4_1 rows of `nb` blocks inside the read-only mapping.
    static func repackMapped(_ data: UnsafeMutablePointer<UInt8>, rows: Int, blocksPerRow nb: Int) throws {
        try makeWritable(UnsafeMutableRawPointer(data), 20 * nb * rows)
        repack(data, rows: rows, blocksPerRow: nb)
    }

    /// Rewrites `rows` consecutive Q4_1 rows of `nb` blocks at `data` (writable memory).
    static func repack(_ data: UnsafeMutablePointer<UInt8>, rows: Int, blocksPerRow nb: Int) {
        let rowBytes = 20 * nb
        let temp = UnsafeMutablePointer<UInt8>.allocate(capacity: rowBytes)
        defer { temp.deallocate() }
        for r in 0..<rows {
            let row = data + r * rowBytes
            temp.update(from: row, count: rowBytes)
            let d = UnsafeMutableRawPointer(row + 16 * nb)
            for b in 0..<nb {
                let src = temp + 20 * b
                d.storeBytes(of: UInt16(src[0]) | UInt16(src[1]) << 8, toByteOffset: 2 * b, as: UInt16.self)
                d.storeBytes(of: UInt16(src[2]) | UInt16(src[3]) << 8, toByteOffset: 2 * (nb + b), as: UInt16.self)
                func element(_ i: Int) -> UInt8 { i < 16 ? src[4 + i] & 15 : src[4 + i - 16] >> 4 }
                for j in 0..<16 { row[16 * b + j] = element(2 * j) | element(2 * j + 1) << 4 }
            }
        }
    }

    private static func makeWritable(_ p: UnsafeMutableRawPointer, _ count: Int) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: p) & ~(page - 1)
        let end = Int(bitPattern: p) + count
        guard mprotect(UnsafeMutableRawPointer(bitPattern: start), end - start, PROT_READ | PROT_WRITE) == 0 else {
            throw InferenceError.invalidRequest("cannot repack weights: mprotect failed (\(String(cString: strerror(errno))))")
        }
    }

    /// Even and odd elements of a packed block as 16-bit lanes.
    @inline(__always)
    static func halves(_ block: UnsafeRawPointer) -> (SIMD16<Int16>, SIMD16<Int16>) {
        let bytes = block.loadUnaligned(as: SIMD16<UInt8>.self)
        var v = SIMD16<Int16>()
        for i in 0..<16 { v[i] = Int16(bytes[i]) }
        return (v & 15, v &>> 4)
    }

    /// dd[b] = d[b]·xd[b] for one row and one activation row; returns Σ m[b]·xs[b]
    /// as ggml's sequential fused multiply-adds.
    @inline(__always)
    static func scales(_ row: UnsafePointer<UInt8>, _ nb: Int, _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>,
                       _ dd: UnsafeMutablePointer<Float>) -> Float {
        let d = UnsafeRawPointer(row + 16 * nb).assumingMemoryBound(to: Float16.self)
        let m = d + nb
        for b in 0..<nb { dd[b] = Float(d[b]) * xd[b] }
        var summs: Float = 0
        for b in 0..<nb { summs = summs.addingProduct(Float(m[b]), xs[b]) }
        return summs
    }

    /// `scales` for four rows at once: conversions vectorised, the four
    /// sequential chains interleaved (each chain's order is unchanged).
    /// dd holds 4·nb products, then 4·nb converted m values as scratch.
    @inline(__always)
    static func scales4Rows(_ row: UnsafePointer<UInt8>, _ rowBytes: Int, _ nb: Int, _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>,
                            _ dd: UnsafeMutablePointer<Float>) -> SIMD4<Float> {
        let mf = dd + 4 * nb
        for r in 0..<4 {
            let d = UnsafeRawPointer(row + r * rowBytes + 16 * nb).assumingMemoryBound(to: Float16.self)
            let m = d + nb
            let ddr = dd + r * nb, mfr = mf + r * nb
            for b in 0..<nb { ddr[b] = Float(d[b]) * xd[b] }
            for b in 0..<nb { mfr[b] = Float(m[b]) }
        }
        var summs = SIMD4<Float>()
        for b in 0..<nb {
            summs = summs.addingProduct(SIMD4(mf[b], mf[nb + b], mf[2 * nb + b], mf[3 * nb + b]), SIMD4(repeating: xs[b]))
        }
        return summs
    }

    /// `scales` for one row and four activation rows (k-th at xd + k·nb).
    @inline(__always)
    static func scales4Tokens(_ row: UnsafePointer<UInt8>, _ nb: Int, _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>,
                              _ dd: UnsafeMutablePointer<Float>) -> SIMD4<Float> {
        let d = UnsafeRawPointer(row + 16 * nb).assumingMemoryBound(to: Float16.self)
        let m = d + nb
        let df = dd + 4 * nb, mf = dd + 5 * nb
        for b in 0..<nb { df[b] = Float(d[b]) }
        for b in 0..<nb { mf[b] = Float(m[b]) }
        for k in 0..<4 {
            let ddk = dd + k * nb, xdk = xd + k * nb
            for b in 0..<nb { ddk[b] = df[b] * xdk[b] }
        }
        var summs = SIMD4<Float>()
        for b in 0..<nb {
            summs = summs.addingProduct(SIMD4(repeating: mf[b]), SIMD4(xs[b], xs[nb + b], xs[2 * nb + b], xs[3 * nb + b]))
        }
        return summs
    }

    @inline(__always)
    static func blockSum(_ we: SIMD16<Int16>, _ wo: SIMD16<Int16>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>) -> SIMD8<Float> {
        Kernels.smallQuads(we &* Kernels.load16(xe) &+ wo &* Kernels.load16(xo))
    }

    /// One packed row · one activation row (ggml_vec_dot_q4_1_q8_1).
    @inline(__always)
    static func dot(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                    _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ nb: Int, _ dd: UnsafeMutablePointer<Float>) -> Float {
        let summs = scales(row, nb, xd, xs, dd)
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let (we, wo) = halves(row + 16 * b)
            acc = acc.addingProduct(SIMD8(repeating: dd[b]), blockSum(we, wo, xe + 16 * b, xo + 16 * b))
        }
        return Kernels.hsum(acc) + summs
    }

    /// Four consecutive packed rows · one activation row (decode: activation loads shared).
    @inline(__always)
    static func dot4Rows(_ row: UnsafePointer<UInt8>, _ rowBytes: Int, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                         _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ nb: Int,
                         _ dd: UnsafeMutablePointer<Float>) -> (Float, Float, Float, Float) {
        let r0 = row, r1 = row + rowBytes, r2 = row + 2 * rowBytes, r3 = row + 3 * rowBytes
        let s = scales4Rows(row, rowBytes, nb, xd, xs, dd)
        // The rows two groups ahead, 128 bytes per block step (a group is 80·nb bytes).
        let ahead = UnsafeRawPointer(row + 8 * rowBytes)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<nb {
            Prefetch.read(ahead + 128 * b)
            Prefetch.read(ahead + 128 * b + 64)
            let e = xe + 16 * b, o = xo + 16 * b
            let (we0, wo0) = halves(r0 + 16 * b)
            a0 = a0.addingProduct(SIMD8(repeating: dd[b]), blockSum(we0, wo0, e, o))
            let (we1, wo1) = halves(r1 + 16 * b)
            a1 = a1.addingProduct(SIMD8(repeating: dd[nb + b]), blockSum(we1, wo1, e, o))
            let (we2, wo2) = halves(r2 + 16 * b)
            a2 = a2.addingProduct(SIMD8(repeating: dd[2 * nb + b]), blockSum(we2, wo2, e, o))
            let (we3, wo3) = halves(r3 + 16 * b)
            a3 = a3.addingProduct(SIMD8(repeating: dd[3 * nb + b]), blockSum(we3, wo3, e, o))
        }
        return (Kernels.hsum(a0) + s[0], Kernels.hsum(a1) + s[1], Kernels.hsum(a2) + s[2], Kernels.hsum(a3) + s[3])
    }

    /// One packed row · four activation rows (prompt batches: weights widened once).
    /// Activation row k starts at xe + k·half, xd + k·nb.
    @inline(__always)
    static func dot4Tokens(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                           _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ half: Int, _ nb: Int,
                           _ dd: UnsafeMutablePointer<Float>) -> (Float, Float, Float, Float) {
        let s = scales4Tokens(row, nb, xd, xs, dd)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<nb {
            let (we, wo) = halves(row + 16 * b)
            let e = xe + 16 * b, o = xo + 16 * b
            a0 = a0.addingProduct(SIMD8(repeating: dd[b]), blockSum(we, wo, e, o))
            a1 = a1.addingProduct(SIMD8(repeating: dd[nb + b]), blockSum(we, wo, e + half, o + half))
            a2 = a2.addingProduct(SIMD8(repeating: dd[2 * nb + b]), blockSum(we, wo, e + 2 * half, o + 2 * half))
            a3 = a3.addingProduct(SIMD8(repeating: dd[3 * nb + b]), blockSum(we, wo, e + 3 * half, o + 3 * half))
        }
        return (Kernels.hsum(a0) + s[0], Kernels.hsum(a1) + s[1], Kernels.hsum(a2) + s[2], Kernels.hsum(a3) + s[3])
    }
}
