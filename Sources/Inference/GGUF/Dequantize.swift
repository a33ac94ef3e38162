/// Reference (scalar) conversions of the supported block formats to Float.
/// The kernels in Model/ compute on the packed data directly; these are for the
/// embedding lookup and for tests.
public enum Dequantize {
    @inline(__always)
    public static func half(_ p: UnsafeRawPointer, _ byteOffset: Int = 0) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: byteOffset, as: UInt16.self)))
    }

    /// Q4_1: f16 d, f16 m, 16 bytes of nibbles; byte j holds element j (low) and j+16 (high); x = d*q + m.
    public static func q4_1Block(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), m = half(block, 2)
        let q = block.assumingMemoryBound(to: UInt8.self) + 4
        for j in 0..<16 {
            out[j] = d * Float(q[j] & 0x0F) + m
            out[j + 16] = d * Float(q[j] >> 4) + m
        }
    }

    /// Q8_0: f16 d, then 32 signed bytes; x = d*q.
    public static func q8_0Block(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let q = (block + 2).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { out[j] = d * Float(q[j]) }
    }

    /// Q5_0: f16 d, UInt32 qh, 16 nibble bytes; element j (j < 16) is the low nibble of
    /// byte j with bit j of qh as its fifth bit, element j + 16 the high nibble with bit
    /// j + 16; x = d·(q − 16) (dequantize_row_q5_0).
    public static func q5_0Block(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let qh = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        let q = block.assumingMemoryBound(to: UInt8.self) + 6
        for j in 0..<16 {
            let h0 = Int32((qh >> UInt32(j)) << 4 & 0x10), h1 = Int32(qh >> UInt32(j + 12) & 0x10)
            out[j] = Float((Int32(q[j] & 0x0F) | h0) - 16) * d
            out[j + 16] = Float((Int32(q[j] >> 4) | h1) - 16) * d
        }
    }

    /// Q4_K's 6-bit scale and min of sub-block j (0..<8) from its 12 packed bytes
    /// (get_scale_min_k4).
    @inline(__always)
    public static func q4_KScaleMin(_ j: Int, _ q: UnsafePointer<UInt8>) -> (scale: UInt8, min: UInt8) {
        if j < 4 { return (q[j] & 63, q[j + 4] & 63) }
        return ((q[j + 4] & 0x0F) | (q[j - 4] >> 6) << 4, (q[j + 4] >> 4) | (q[j] >> 6) << 4)
    }

    /// Q4_K: 256 elements in 8 sub-blocks of 32; x = d·scale·q − dmin·min
    /// (dequantize_row_q4_K: 32 low nibbles, then the same 32 bytes' high nibbles).
    public static func q4_KBlock(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0), dmin = half(block, 2)
        let scales = block.assumingMemoryBound(to: UInt8.self) + 4
        let q = scales + 12
        for j in 0..<4 {
            let (s0, m0) = q4_KScaleMin(2 * j, scales), (s1, m1) = q4_KScaleMin(2 * j + 1, scales)
            let d1 = d * Float(s0), dm1 = dmin * Float(m0), d2 = d * Float(s1), dm2 = dmin * Float(m1)
            let qj = q + 32 * j, y = out + 64 * j
            for l in 0..<32 {
                y[l] = d1 * Float(qj[l] & 0x0F) - dm1
                y[l + 32] = d2 * Float(qj[l] >> 4) - dm2
            }
        }
    }

    /// Q6_K: 256 elements in 16 sub-blocks of 16 with int8 scales; 6-bit values from
    /// a nibble of ql and two bits of qh; x = d·scale·(q − 32) (dequantize_row_q6_K).
    public static func q6_KBlock(_ block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = half(block, 208)
        let bytes = block.assumingMemoryBound(to: UInt8.self)
        for n in 0..<2 {
            let ql = bytes + 64 * n, qh = bytes + 128 + 32 * n
            let sc = (block + 192 + 8 * n).assumingMemoryBound(to: Int8.self)
            let y = out + 128 * n
            for l in 0..<32 {
                let s = l / 16
                let q1 = Int32((ql[l] & 0x0F) | (qh[l] & 3) << 4) - 32
                let q2 = Int32((ql[l + 32] & 0x0F) | (qh[l] >> 2 & 3) << 4) - 32
                let q3 = Int32((ql[l] >> 4) | (qh[l] >> 4 & 3) << 4) - 32
                let q4 = Int32((ql[l + 32] >> 4) | (qh[l] >> 6 & 3) << 4) - 32
                y[l] = d * Float(sc[s]) * Float(q1)
                y[l + 32] = d * Float(sc[s + 2]) * Float(q2)
                y[l + 64] = d * Float(sc[s + 4]) * Float(q3)
                y[l + 96] = d * Float(sc[s + 6]) * Float(q4)
            }
        }
    }

    /// Dequantizes `count` elements (a multiple of the block size) starting at `data`.
    public static func row(_ type: GGMLType, _ data: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32:
            out.update(from: data.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            for i in 0..<count { out[i] = half(data, 2 * i) }
        case .q4_1:
            for b in 0..<count / 32 { q4_1Block(data + 20 * b, into: out + 32 * b) }
        case .q5_0:
            for b in 0..<count / 32 { q5_0Block(data + 22 * b, into: out + 32 * b) }
        case .q8_0:
            for b in 0..<count / 32 { q8_0Block(data + 34 * b, into: out + 32 * b) }
        case .q4_K:
            for b in 0..<count / 256 { q4_KBlock(data + 144 * b, into: out + 256 * b) }
        case .q6_K:
            for b in 0..<count / 256 { q6_KBlock(data + 210 * b, into: out + 256 * b) }
        default:
            preconditionFailure("GGUF reader admits only supported types; got \(type.name)")
        }
    }

    /// Convenience for tests: a whole row as an array.
    public static func row(_ type: GGMLType, _ data: UnsafeRawPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buf, n in
            row(type, data, count: count, into: buf.baseAddress!)
            n = count
        }
    }
}
