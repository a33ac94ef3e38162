#if arch(x86_64)
/// The VNNI copy of Q8_0-quantised activations, from the even/odd Int16 halves
/// Inference keeps (Kernels.quantizeRow): per 32-block the values x as unsigned bytes
/// x + 128 in element order (`vpdpbusd` multiplies unsigned by signed bytes; the
/// weights are the signed side, see VNNITile).
public enum Q8_0Bytes {
    /// Block i of `even`/`odd` (16 + 16 values at 16·i) to bytes + 32·i, for `blocks` blocks.
    public static func convert(even: UnsafePointer<Int16>, odd: UnsafePointer<Int16>, blocks: Int, bytes: UnsafeMutablePointer<UInt8>) {
        for i in 0..<blocks {
            let e = UnsafeRawPointer(even + 16 * i).loadUnaligned(as: SIMD16<UInt16>.self)
            let o = UnsafeRawPointer(odd + 16 * i).loadUnaligned(as: SIMD16<UInt16>.self)
            // 16-bit lane j: element 2j in the low byte, 2j + 1 in the high byte, each + 128.
            let pairs = ((e & 0xFF) | o &<< 8) ^ 0x8080
            UnsafeMutableRawPointer(bytes + 32 * i).storeBytes(of: pairs, as: SIMD16<UInt16>.self)
        }
    }
}
#endif
