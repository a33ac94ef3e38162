/// A seeded LCG for kernel test data (weights and activations), shared by the kernel tests
/// so their random cases are the same sequence wherever they are drawn.
struct KernelTestGenerator {
    var state: UInt64
    mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    /// A Float16 scale of either sign, small enough that no product overflows.
    mutating func halfBits() -> (UInt8, UInt8) {
        let h = Float16(Float(Int(next() % 2001) - 1000) / 64_000)
        return (UInt8(truncatingIfNeeded: h.bitPattern), UInt8(truncatingIfNeeded: h.bitPattern >> 8))
    }
    /// Roughly Gaussian, with occasional outliers like real activations.
    mutating func activation() -> Float {
        var s: Float = 0
        for _ in 0..<4 { s += Float(next() % 20001) / 10000 - 1 }
        return next() % 97 == 0 ? s * 40 : s
    }
}
