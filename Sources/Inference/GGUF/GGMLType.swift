/// A ggml tensor element type as stored in a GGUF file.
///
/// F32, F16, Q4_1, Q5_0, Q8_0, Q4_K and Q6_K are implemented (a Q4_K_M file mixes
/// the last four); the other ids exist so that an unsupported file is reported by
/// name instead of by number.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_XXS = 16, iq2_XS = 17, iq3_XXS = 18, iq1_S = 19, iq4_NL = 20, iq3_S = 21, iq2_S = 22, iq4_XS = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_M = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35, mxfp4 = 39

    public var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q8_1: "Q8_1"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        case .q8_K: "Q8_K"
        case .iq2_XXS: "IQ2_XXS"
        case .iq2_XS: "IQ2_XS"
        case .iq3_XXS: "IQ3_XXS"
        case .iq1_S: "IQ1_S"
        case .iq4_NL: "IQ4_NL"
        case .iq3_S: "IQ3_S"
        case .iq2_S: "IQ2_S"
        case .iq4_XS: "IQ4_XS"
        case .i8: "I8"
        case .i16: "I16"
        case .i32: "I32"
        case .i64: "I64"
        case .f64: "F64"
        case .iq1_M: "IQ1_M"
        case .bf16: "BF16"
        case .tq1_0: "TQ1_0"
        case .tq2_0: "TQ2_0"
        case .mxfp4: "MXFP4"
        }
    }

    /// The types this engine can compute with.
    public static let supported: [GGMLType] = [.f32, .f16, .q4_1, .q5_0, .q8_0, .q4_K, .q6_K]

    public var isSupported: Bool { Self.supported.contains(self) }

    /// (elements per block, bytes per block) for the supported types.
    public var blockLayout: (elements: Int, bytes: Int)? {
        switch self {
        case .f32: (1, 4)
        case .f16: (1, 2)
        case .q4_1: (32, 20)
        // f16 d, 4 bytes of fifth bits, 16 nibble bytes.
        case .q5_0: (32, 22)
        case .q8_0: (32, 34)
        // f16 d, f16 dmin, 12 bytes of packed 6-bit scales and mins, 128 nibble bytes.
        case .q4_K: (256, 144)
        // 128 low-nibble bytes, 64 bytes of high bit pairs, 16 int8 scales, f16 d.
        case .q6_K: (256, 210)
        default: nil
        }
    }

    /// Display name for a raw type id, known or not.
    public static func describe(_ raw: UInt32) -> String {
        if let known = GGMLType(rawValue: raw) { return "\(known.name) (type \(raw))" }
        return "unknown type \(raw)"
    }
}
