#if arch(x86_64)
import CVNNI

/// The VNNI instructions on Swift's SIMD types. This target is compiled for
/// `cascadelake` (AVX-512 F/CD/BW/DQ/VL + VNNI, Package.swift), so LLVM may use those
/// anywhere in it: nothing here may run unless `CPUFeatures.vnni` said yes.
enum VNNI {
    /// Lane k: acc[k] + Σ_{j<4} u[4k+j]·s[4k+j] (u unsigned, s signed bytes).
    @inline(__always)
    static func dotBytes(_ acc: SIMD8<Int32>, _ u: SIMD32<UInt8>, _ s: SIMD32<Int8>) -> SIMD8<Int32> {
        unsafeBitCast(assistd_dpbusd256(unsafeBitCast(acc, to: SIMD4<Int64>.self), unsafeBitCast(u, to: SIMD4<Int64>.self),
                                        unsafeBitCast(s, to: SIMD4<Int64>.self)), to: SIMD8<Int32>.self)
    }

    /// Lane k: acc[k] + a[2k]·b[2k] + a[2k+1]·b[2k+1].
    @inline(__always)
    static func dotPairs(_ acc: SIMD8<Int32>, _ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
        unsafeBitCast(assistd_dpwssd256(unsafeBitCast(acc, to: SIMD4<Int64>.self), unsafeBitCast(a, to: SIMD4<Int64>.self),
                                        unsafeBitCast(b, to: SIMD4<Int64>.self)), to: SIMD8<Int32>.self)
    }

    /// `dotPairs` kept as one `vpdpwssd` (see assistd_dpwssd256_fused).
    @inline(__always)
    static func dotPairsFused(_ acc: SIMD8<Int32>, _ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
        unsafeBitCast(assistd_dpwssd256_fused(unsafeBitCast(acc, to: SIMD4<Int64>.self), unsafeBitCast(a, to: SIMD4<Int64>.self),
                                              unsafeBitCast(b, to: SIMD4<Int64>.self)), to: SIMD8<Int32>.self)
    }

    /// Lane k: u[2k]·s[2k] + u[2k+1]·s[2k+1] (u unsigned, s signed bytes), saturated to
    /// 16 bits: callers keep |sum| < 32768 (vpmaddubsw).
    @inline(__always)
    static func dotBytePairs(_ u: SIMD32<UInt8>, _ s: SIMD32<Int8>) -> SIMD16<Int16> {
        unsafeBitCast(assistd_maddubs256(unsafeBitCast(u, to: SIMD4<Int64>.self), unsafeBitCast(s, to: SIMD4<Int64>.self)),
                      to: SIMD16<Int16>.self)
    }

    /// Each lane as Float (vcvtdq2ps), written lane by lane: the generic SIMD conversion
    /// was left as a call in large functions.
    @inline(__always)
    static func float(_ lanes: SIMD8<Int32>) -> SIMD8<Float> {
        var f = SIMD8<Float>()
        for i in 0..<8 { f[i] = Float(lanes[i]) }
        return f
    }

    /// Each byte sign-extended to 16 bits (vpmovsxbw).
    @inline(__always)
    static func widen(_ bytes: SIMD16<Int8>) -> SIMD16<Int16> {
        var w = SIMD16<Int16>()
        for i in 0..<16 { w[i] = Int16(bytes[i]) }
        return w
    }

    /// Byte k: table[idx[k]] within its 16-byte half, for idx[k] < 16 (vpshufb).
    @inline(__always)
    static func shuffleBytes(_ table: SIMD32<UInt8>, _ idx: SIMD32<UInt8>) -> SIMD32<UInt8> {
        unsafeBitCast(assistd_shuffle_bytes256(unsafeBitCast(table, to: SIMD4<Int64>.self), unsafeBitCast(idx, to: SIMD4<Int64>.self)),
                      to: SIMD32<UInt8>.self)
    }
}
#endif
