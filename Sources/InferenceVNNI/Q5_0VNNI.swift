#if arch(x86_64)
import CVNNI

/// Q5_0 weights · the Q8_0 activations' VNNI copy.
public enum Q5_0VNNI {
    /// One Q5_0 row · `tokens` (16 or 8) tokens; `packed`: blocks repacked by PackedQ5_0,
    /// else ggml's. Token t's 8 float lanes go to out[t] (see VNNITile).
    public static func dotTokens(_ tokens: Int, row: UnsafePointer<UInt8>, packed: Bool, x: UnsafePointer<UInt8>, xd: UnsafePointer<Float>,
                                 stride: Int, blocks nb: Int, scales: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<SIMD8<Float>>) {
        if packed {
            VNNITile.run(PackedBlock.self, tokens, row, x, xd, stride, nb, scales, out)
        } else {
            VNNITile.run(GGMLBlock.self, tokens, row, x, xd, stride, nb, scales, out)
        }
    }

    enum PackedBlock: VNNIBlock {
        static var blockBytes: Int { 22 }
        @inline(__always)
        static func values(_ block: UnsafeRawPointer) -> SIMD32<Int8> {
            unsafeBitCast(assistd_q5_0_packed_values(block.assumingMemoryBound(to: UInt8.self)), to: SIMD32<Int8>.self)
        }
    }

    enum GGMLBlock: VNNIBlock {
        static var blockBytes: Int { 22 }
        @inline(__always)
        static func values(_ block: UnsafeRawPointer) -> SIMD32<Int8> {
            unsafeBitCast(assistd_q5_0_ggml_values(block.assumingMemoryBound(to: UInt8.self)), to: SIMD32<Int8>.self)
        }
    }
}
#endif
