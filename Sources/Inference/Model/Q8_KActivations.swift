/// Activations quantised as ggml's Q8_K (quantize_row_q8_K_ref, which the x86 CPU
/// backend uses as is), the vec_dot_type of Q4_K and Q6_K weights: per 256-element
/// block one Float scale d = max/−127 (max: the element of largest magnitude, with
/// its sign) and int8 values q = min(127, round(x·(−127/max))).
///
/// Stored in the even/odd Int16 halves of 32-element chunks that `Kernels` uses, so
/// the K-quant kernels reuse its pair products: chunk c (0..<8 per block) of row t
/// at even/odd + 16·(c·rows + t); its sum of values (two of ggml's 16-element bsums)
/// at sums[c·rows + t]; the block's d at d[block·rows + t]. For the VNNI prompt kernels
/// (InferenceVNNI) also as bytes q + 128 in element order: chunk c of row t at
/// bytes + 32·(c·rows + t).
enum Q8_KActivations {
    /// nearest_int: round to nearest, ties to even, by adding 1.5·2²³.
    @inline(__always)
    static func nearestInt(_ x: Float) -> Int32 {
        let v = x + 12_582_912
        return Int32(bitPattern: v.bitPattern & 0x007F_FFFF) - 0x0040_0000
    }

    static func quantizeRow(_ x: UnsafePointer<Float>, _ n: Int, _ even: UnsafeMutablePointer<Int16>, _ odd: UnsafeMutablePointer<Int16>,
                            _ d: UnsafeMutablePointer<Float>, _ sums: UnsafeMutablePointer<Int32>, stride: Int = 1,
                            bytes: UnsafeMutablePointer<UInt8>? = nil) {
        for b in 0..<n / 256 {
            let xb = x + 256 * b
            var amax: Float = 0, maxValue: Float = 0
            for j in 0..<256 {
                let ax = abs(xb[j])
                if ax > amax { amax = ax; maxValue = xb[j] }
            }
            d[b * stride] = 0
            let iscale: Float = amax == 0 ? 0 : -127 / maxValue
            if amax != 0 { d[b * stride] = 1 / iscale }
            for s in 0..<8 {
                let c = 8 * b + s
                let e = even + 16 * c * stride, o = odd + 16 * c * stride
                let xs = xb + 32 * s
                var sum: Int32 = 0
                for i in 0..<16 {
                    let q0 = amax == 0 ? 0 : min(127, nearestInt(iscale * xs[2 * i]))
                    let q1 = amax == 0 ? 0 : min(127, nearestInt(iscale * xs[2 * i + 1]))
                    e[i] = Int16(truncatingIfNeeded: q0)
                    o[i] = Int16(truncatingIfNeeded: q1)
                    if let bytes {
                        bytes[32 * c * stride + 2 * i] = UInt8(truncatingIfNeeded: q0 &+ 128)
                        bytes[32 * c * stride + 2 * i + 1] = UInt8(truncatingIfNeeded: q1 &+ 128)
                    }
                    sum &+= q0 &+ q1
                }
                sums[c * stride] = sum
            }
        }
    }
}
