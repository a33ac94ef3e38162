#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    static func makeWritable(_ p: UnsafeMutableRawPointer, _ count: Int) throws {
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
                       _ dd: UnsafeMutablePointer<Float>, stride: Int = 1) -> Float {
        let d = UnsafeRawPointer(row + 16 * nb).assumingMemoryBound(to: Float16.self)
        let m = d + nb
        for b in 0..<nb { dd[b] = Float(d[b]) * xd[b * stride] }
        var summs: Float = 0
        for b in 0..<nb { summs = summs.addingProduct(Float(m[b]), xs[b * stride]) }
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

    /// A row's d and m as Float (df[b], df[nb + b]), once per row of a batch.
    @inline(__always)
    static func rowScales(_ row: UnsafePointer<UInt8>, _ nb: Int, _ df: UnsafeMutablePointer<Float>) {
        let h = UnsafeRawPointer(row + 16 * nb).assumingMemoryBound(to: Float16.self)
        for i in 0..<2 * nb { df[i] = Float(h[i]) }
    }

    /// `scales` for one row (d, m from `rowScales`) and `width` activation rows whose
    /// scales lie side by side (Activations' layout, `stride` rows per block):
    /// dd[width·b + k] = d[b]·xd_k[b]; returns the `width` sequential Σ m·xs chains.
    @inline(__always)
    static func scalesTokens<V: SIMD>(_ df: UnsafePointer<Float>, _ nb: Int, _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>,
                                      _ stride: Int, _ dd: UnsafeMutablePointer<Float>, _: V.Type) -> V where V.Scalar == Float {
        var summs = V()
        for b in 0..<nb {
            let xdb = UnsafeRawPointer(xd + b * stride).loadUnaligned(as: V.self)
            let xsb = UnsafeRawPointer(xs + b * stride).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(dd + V.scalarCount * b).storeBytes(of: V(repeating: df[b]) * xdb, as: V.self)
            summs = summs.addingProduct(V(repeating: df[nb + b]), xsb)
        }
        return summs
    }

    @inline(__always)
    static func blockSum(_ we: SIMD16<Int16>, _ wo: SIMD16<Int16>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>) -> SIMD8<Float> {
        Kernels.quadSums(we, Kernels.load16(xe), wo, Kernels.load16(xo))
    }

    /// One packed row · one activation row (ggml_vec_dot_q4_1_q8_1).
    @inline(__always)
    /// Activation block b at xe/xo + 16·b·stride, xd/xs[b·stride] (Activations' layout).
    static func dot(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                    _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ nb: Int, _ dd: UnsafeMutablePointer<Float>,
                    stride: Int = 1) -> Float {
        let summs = scales(row, nb, xd, xs, dd, stride: stride)
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let (we, wo) = halves(row + 16 * b)
            acc = acc.addingProduct(SIMD8(repeating: dd[b]), blockSum(we, wo, xe + 16 * b * stride, xo + 16 * b * stride))
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
    /// Activation row k's block b is at xe/xo + 16·(b·stride + k), xd/xs[b·stride + k];
    /// df from `rowScales`.
    @inline(__always)
    static func dot4Tokens(_ row: UnsafePointer<UInt8>, _ df: UnsafePointer<Float>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                           _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ stride: Int, _ nb: Int,
                           _ dd: UnsafeMutablePointer<Float>) -> SIMD4<Float> {
        let s = scalesTokens(df, nb, xd, xs, stride, dd, SIMD4<Float>.self)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for b in 0..<nb {
            let (we, wo) = halves(row + 16 * b)
            let e = xe + 16 * b * stride, o = xo + 16 * b * stride, f = dd + 4 * b
            a0 = a0.addingProduct(SIMD8(repeating: f[0]), blockSum(we, wo, e, o))
            a1 = a1.addingProduct(SIMD8(repeating: f[1]), blockSum(we, wo, e + 16, o + 16))
            a2 = a2.addingProduct(SIMD8(repeating: f[2]), blockSum(we, wo, e + 32, o + 32))
            a3 = a3.addingProduct(SIMD8(repeating: f[3]), blockSum(we, wo, e + 48, o + 48))
        }
        return SIMD4(Kernels.hsum(a0), Kernels.hsum(a1), Kernels.hsum(a2), Kernels.hsum(a3)) + s
    }

    /// As `dot4Tokens` for eight activation rows.
    @inline(__always)
    static func dot8Tokens(_ row: UnsafePointer<UInt8>, _ df: UnsafePointer<Float>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                           _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ stride: Int, _ nb: Int,
                           _ dd: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        let s = scalesTokens(df, nb, xd, xs, stride, dd, SIMD8<Float>.self)
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
        for b in 0..<nb {
            let (we, wo) = halves(row + 16 * b)
            let e = xe + 16 * b * stride, o = xo + 16 * b * stride, f = dd + 8 * b
            a0 = a0.addingProduct(SIMD8(repeating: f[0]), blockSum(we, wo, e, o))
            a1 = a1.addingProduct(SIMD8(repeating: f[1]), blockSum(we, wo, e + 16, o + 16))
            a2 = a2.addingProduct(SIMD8(repeating: f[2]), blockSum(we, wo, e + 32, o + 32))
            a3 = a3.addingProduct(SIMD8(repeating: f[3]), blockSum(we, wo, e + 48, o + 48))
            a4 = a4.addingProduct(SIMD8(repeating: f[4]), blockSum(we, wo, e + 64, o + 64))
            a5 = a5.addingProduct(SIMD8(repeating: f[5]), blockSum(we, wo, e + 80, o + 80))
            a6 = a6.addingProduct(SIMD8(repeating: f[6]), blockSum(we, wo, e + 96, o + 96))
            a7 = a7.addingProduct(SIMD8(repeating: f[7]), blockSum(we, wo, e + 112, o + 112))
        }
        return SIMD8(Kernels.hsum(a0), Kernels.hsum(a1), Kernels.hsum(a2), Kernels.hsum(a3),
                     Kernels.hsum(a4), Kernels.hsum(a5), Kernels.hsum(a6), Kernels.hsum(a7)) + s
    }
}
