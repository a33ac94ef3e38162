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

    /// A Q8_0 block's 32 signed bytes as (even, odd) 16-bit lanes.
    @inline(__always)
    static func bytes(_ block: UnsafeRawPointer) -> (SIMD16<Int16>, SIMD16<Int16>) {
        let v = unsafeBitCast(block.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt16>.self), to: SIMD16<Int16>.self)
        return ((v &<< 8) &>> 8, v &>> 8)
    }

    @inline(__always)
    static func hsum(_ acc: SIMD8<Float>) -> Float { GGMLNumerics.hsum8(acc) }

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
}
