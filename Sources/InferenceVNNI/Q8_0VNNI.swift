#if arch(x86_64)
/// Q8_0 weights (signed bytes, as stored) · the Q8_0 activations' VNNI copy.
public enum Q8_0VNNI {
    /// One Q8_0 row · `tokens` (16 or 8) tokens; token t's 8 float lanes go to out[t] (see VNNITile).
    public static func dotTokens(_ tokens: Int, row: UnsafePointer<UInt8>, x: UnsafePointer<UInt8>, xd: UnsafePointer<Float>,
                                 stride: Int, blocks nb: Int, scales: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<SIMD8<Float>>) {
        VNNITile.run(Block.self, tokens, row, x, xd, stride, nb, scales, out)
    }

    enum Block: VNNIBlock {
        static var blockBytes: Int { 34 }
        @inline(__always)
        static func values(_ block: UnsafeRawPointer) -> SIMD32<Int8> { block.loadUnaligned(fromByteOffset: 2, as: SIMD32<Int8>.self) }
    }
}
#endif
