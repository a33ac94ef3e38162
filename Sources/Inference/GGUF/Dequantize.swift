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

    /// Dequantizes `count` elements (a multiple of the block size) starting at `data`.
    public static func row(_ type: GGMLType, _ data: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32:
            out.update(from: data.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            for i in 0..<count { out[i] = half(data, 2 * i) }
        case .q4_1:
            for b in 0..<count / 32 { q4_1Block(data + 20 * b, into: out + 32 * b) }
        case .q8_0:
            for b in 0..<count / 32 { q8_0Block(data + 34 * b, into: out + 32 * b) }
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
