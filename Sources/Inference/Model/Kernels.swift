/// Integer dot-product kernels with ggml's arithmetic: activations are quantised
/// to int8 per 32-element block (Q8_1 for Q4_1 weights, Q8_0 for Q8_0 weights);
/// per block the products are summed into 8 integer lanes of 4 consecutive
/// elements, converted to Float and fused-multiply-added into 8 float lanes,
/// then reduced as hsum_float_8 (see GGMLNumerics).
///
/// Layout trick: activations are stored as Int16, split into the even and the
/// odd elements of each block (16 + 16). A weight block then yields its even and
/// odd elements as 16-bit lanes by shifts and masks, one 16-bit multiply-add
/// gives the pair sums, and the pair sums widen to the 8 quad lanes by shifts on
/// the same register viewed as 32-bit lanes. Everything stays in SIMD types that
/// Swift inlines (element-type conversions of SIMD vectors do not inline).
enum Kernels {
    @inline(__always)
    static func roundHalf(_ x: Float) -> Float { Float(Float16(x)) }

    /// x[0..<n] -> per 32-block scale d (Float16-rounded), s = d·Σq (Float16-rounded,
    /// when `sums` is given) and the quantised values as even/odd Int16 halves.
    @inline(__always)
    static func quantizeRow(_ x: UnsafePointer<Float>, _ n: Int, _ even: UnsafeMutablePointer<Int16>, _ odd: UnsafeMutablePointer<Int16>,
                            _ scales: UnsafeMutablePointer<Float>, _ sums: UnsafeMutablePointer<Float>?) {
        for b in 0..<n / 32 {
            let xb = x + 32 * b
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(xb[j])) }
            let d = amax / 127
            let id: Float = amax != 0 ? 127 / amax : 0
            var sum: Int32 = 0
            for i in 0..<16 {
                let q0 = Int32((xb[2 * i] * id).rounded(.toNearestOrEven))
                let q1 = Int32((xb[2 * i + 1] * id).rounded(.toNearestOrEven))
                even[16 * b + i] = Int16(truncatingIfNeeded: q0)
                odd[16 * b + i] = Int16(truncatingIfNeeded: q1)
                sum &+= q0 &+ q1
            }
            scales[b] = roundHalf(d)
            sums?[b] = roundHalf(d * Float(sum))
        }
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Int16>) -> SIMD16<Int16> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Int16>.self)
    }

    /// Pair sums (16-bit lanes 2k, 2k+1) -> quad sums (32-bit lane k), as Float.
    @inline(__always)
    static func quads(_ pairs: SIMD16<Int16>) -> SIMD8<Float> {
        let r = unsafeBitCast(pairs, to: SIMD8<Int32>.self)
        let lanes = ((r &<< 16) &>> 16) &+ (r &>> 16)
        var f = SIMD8<Float>()
        for i in 0..<8 { f[i] = Float(lanes[i]) }
        return f
    }

    /// As `quads` when every quad sum fits in Int16 (Q4_1: |sum| <= 4·15·127):
    /// the pair sum lands in the high half of each 32-bit lane, then one shift.
    @inline(__always)
    static func smallQuads(_ pairs: SIMD16<Int16>) -> SIMD8<Float> {
        let r = unsafeBitCast(pairs, to: SIMD8<Int32>.self)
        let lanes = (r &+ (r &<< 16)) &>> 16
        var f = SIMD8<Float>()
        for i in 0..<8 { f[i] = Float(lanes[i]) }
        return f
    }

    /// A Q4_1 block's 32 nibbles as (even elements, odd elements) in 16-bit lanes,
    /// in the order of `quantizeRow`'s halves.
    @inline(__always)
    static func nibbles(_ block: UnsafeRawPointer) -> (SIMD16<Int16>, SIMD16<Int16>) {
        let u = block.loadUnaligned(fromByteOffset: 4, as: SIMD8<UInt16>.self)
        let v = SIMD16<UInt16>(lowHalf: u, highHalf: u &>> 4)
        let m = SIMD16<UInt16>(repeating: 15)
        return (unsafeBitCast(v & m, to: SIMD16<Int16>.self), unsafeBitCast((v &>> 8) & m, to: SIMD16<Int16>.self))
    }

    /// A Q8_0 block's 32 signed bytes as (even, odd) 16-bit lanes.
    @inline(__always)
    static func bytes(_ block: UnsafeRawPointer) -> (SIMD16<Int16>, SIMD16<Int16>) {
        let v = unsafeBitCast(block.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt16>.self), to: SIMD16<Int16>.self)
        return ((v &<< 8) &>> 8, v &>> 8)
    }

    @inline(__always)
    static func hsum(_ acc: SIMD8<Float>) -> Float { GGMLNumerics.hsum8(acc) }

    /// One Q4_1 row · one Q8_1 activation row (ggml_vec_dot_q4_1_q8_1).
    @inline(__always)
    static func dotQ4_1(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                        _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ nb: Int) -> Float {
        var acc = SIMD8<Float>()
        var summs: Float = 0
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 20 * b)
            let (we, wo) = nibbles(blk)
            let pairs = we &* load16(xe + 16 * b) &+ wo &* load16(xo + 16 * b)
            acc = acc.addingProduct(SIMD8(repeating: half(blk, 0) * xd[b]), smallQuads(pairs))
            summs = summs.addingProduct(half(blk, 2), xs[b])
        }
        return hsum(acc) + summs
    }

    /// Two Q4_1 rows · one activation row (activation loads shared).
    @inline(__always)
    static func dotQ4_1x2(_ row0: UnsafePointer<UInt8>, _ row1: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                          _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ nb: Int) -> (Float, Float) {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var summs0: Float = 0, summs1: Float = 0
        for b in 0..<nb {
            let e = load16(xe + 16 * b), o = load16(xo + 16 * b)
            let dx = xd[b], sx = xs[b]
            let blk0 = UnsafeRawPointer(row0 + 20 * b), blk1 = UnsafeRawPointer(row1 + 20 * b)
            let (we0, wo0) = nibbles(blk0)
            let (we1, wo1) = nibbles(blk1)
            let d0 = half(blk0, 0), m0 = half(blk0, 2)
            let d1 = half(blk1, 0), m1 = half(blk1, 2)
            acc0 = acc0.addingProduct(SIMD8(repeating: d0 * dx), smallQuads(we0 &* e &+ wo0 &* o))
            acc1 = acc1.addingProduct(SIMD8(repeating: d1 * dx), smallQuads(we1 &* e &+ wo1 &* o))
            summs0 = summs0.addingProduct(m0, sx)
            summs1 = summs1.addingProduct(m1, sx)
        }
        return (hsum(acc0) + summs0, hsum(acc1) + summs1)
    }

    /// One Q8_0 row · one Q8_0 activation row (ggml_vec_dot_q8_0_q8_0).
    @inline(__always)
    static func dotQ8_0(_ row: UnsafePointer<UInt8>, _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>,
                        _ xd: UnsafePointer<Float>, _ nb: Int) -> Float {
        var acc = SIMD8<Float>()
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 34 * b)
            let (we, wo) = bytes(blk)
            let pairs = we &* load16(xe + 16 * b) &+ wo &* load16(xo + 16 * b)
            acc = acc.addingProduct(SIMD8(repeating: half(blk, 0) * xd[b]), quads(pairs))
        }
        return hsum(acc)
    }

    /// Unpacks a Q4_1 row once (even/odd nibble lanes, d, m) for reuse across a batch.
    @inline(__always)
    static func unpackQ4_1(_ row: UnsafePointer<UInt8>, _ nb: Int, _ we: UnsafeMutablePointer<Int16>, _ wo: UnsafeMutablePointer<Int16>,
                           _ d: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>) {
        for b in 0..<nb {
            let blk = UnsafeRawPointer(row + 20 * b)
            let (e, o) = nibbles(blk)
            UnsafeMutableRawPointer(we + 16 * b).storeBytes(of: e, as: SIMD16<Int16>.self)
            UnsafeMutableRawPointer(wo + 16 * b).storeBytes(of: o, as: SIMD16<Int16>.self)
            d[b] = half(blk, 0)
            m[b] = half(blk, 2)
        }
    }

    /// An unpacked Q4_1 row · two activation rows at once (the weights are loaded once).
    @inline(__always)
    static func dotUnpacked2(_ we: UnsafePointer<Int16>, _ wo: UnsafePointer<Int16>, _ wd: UnsafePointer<Float>, _ wm: UnsafePointer<Float>,
                             _ xe0: UnsafePointer<Int16>, _ xo0: UnsafePointer<Int16>, _ xd0: UnsafePointer<Float>, _ xs0: UnsafePointer<Float>,
                             _ xe1: UnsafePointer<Int16>, _ xo1: UnsafePointer<Int16>, _ xd1: UnsafePointer<Float>, _ xs1: UnsafePointer<Float>,
                             _ nb: Int) -> (Float, Float) {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var summs0: Float = 0, summs1: Float = 0
        for b in 0..<nb {
            let e = load16(we + 16 * b), o = load16(wo + 16 * b)
            let p0 = e &* load16(xe0 + 16 * b) &+ o &* load16(xo0 + 16 * b)
            let p1 = e &* load16(xe1 + 16 * b) &+ o &* load16(xo1 + 16 * b)
            acc0 = acc0.addingProduct(SIMD8(repeating: wd[b] * xd0[b]), smallQuads(p0))
            acc1 = acc1.addingProduct(SIMD8(repeating: wd[b] * xd1[b]), smallQuads(p1))
            summs0 = summs0.addingProduct(wm[b], xs0[b])
            summs1 = summs1.addingProduct(wm[b], xs1[b])
        }
        return (hsum(acc0) + summs0, hsum(acc1) + summs1)
    }

    /// An unpacked Q4_1 row · one activation row.
    @inline(__always)
    static func dotUnpacked(_ we: UnsafePointer<Int16>, _ wo: UnsafePointer<Int16>, _ wd: UnsafePointer<Float>, _ wm: UnsafePointer<Float>,
                            _ xe: UnsafePointer<Int16>, _ xo: UnsafePointer<Int16>, _ xd: UnsafePointer<Float>, _ xs: UnsafePointer<Float>,
                            _ nb: Int) -> Float {
        var acc = SIMD8<Float>()
        var summs: Float = 0
        for b in 0..<nb {
            let p = load16(we + 16 * b) &* load16(xe + 16 * b) &+ load16(wo + 16 * b) &* load16(xo + 16 * b)
            acc = acc.addingProduct(SIMD8(repeating: wd[b] * xd[b]), smallQuads(p))
            summs = summs.addingProduct(wm[b], xs[b])
        }
        return hsum(acc) + summs
    }
}
