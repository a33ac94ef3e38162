/// The decoder families this engine runs: llama and qwen2 share one forward pass and
/// differ in the switches below.
public enum ModelArchitecture: String, Sendable, Equatable {
    case llama
    case qwen2

    /// qwen2 adds a bias to the Q, K and V projections.
    var hasQKVBias: Bool { self == .qwen2 }
    /// qwen2 rotates the two halves of each head (NeoX style); llama's converter
    /// permuted q/k so that consecutive pairs rotate.
    var rotatesHalves: Bool { self == .qwen2 }
}

/// Hyper-parameters of a llama or qwen2 model, from `<architecture>.*` metadata.
public struct LlamaConfig: Sendable, Equatable {
    public var architecture: ModelArchitecture
    public var layerCount: Int
    public var embeddingLength: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var ropeFrequencyBase: Float
    public var rmsEpsilon: Float
    public var vocabularySize: Int
    public var trainedContextLength: Int

    public var headDim: Int { embeddingLength / headCount }
    public var kvDim: Int { kvHeadCount * headDim }
    /// Bytes of KV cache (Float16 keys and values) per context position.
    public var kvBytesPerPosition: Int { layerCount * kvDim * 2 * 2 }

    public init(gguf: GGUFFile) throws {
        let name = try gguf.string("general.architecture")
        guard let arch = ModelArchitecture(rawValue: name) else {
            throw GGUFError.unsupportedModel("architecture '\(name)' (only 'llama' and 'qwen2' are implemented)")
        }
        let p = name + "."
        architecture = arch
        layerCount = try gguf.int(p + "block_count")
        embeddingLength = try gguf.int(p + "embedding_length")
        feedForwardLength = try gguf.int(p + "feed_forward_length")
        headCount = try gguf.int(p + "attention.head_count")
        kvHeadCount = gguf.metadata[p + "attention.head_count_kv"]?.intValue ?? headCount
        ropeFrequencyBase = Float(gguf.metadata[p + "rope.freq_base"]?.doubleValue ?? 10_000)
        rmsEpsilon = Float(try gguf.double(p + "attention.layer_norm_rms_epsilon"))
        trainedContextLength = gguf.metadata[p + "context_length"]?.intValue ?? 2048
        let tokenCount = gguf.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count
        vocabularySize = gguf.metadata[p + "vocab_size"]?.intValue ?? tokenCount ?? 0
        guard headCount > 0, kvHeadCount > 0, headCount % kvHeadCount == 0, embeddingLength % headCount == 0 else {
            throw GGUFError.unsupportedModel("head counts \(headCount)/\(kvHeadCount) do not divide embedding length \(embeddingLength)")
        }
        // The attention kernels reproduce ggml's accumulation order for 64-wide heads.
        guard headDim == 64 else { throw GGUFError.unsupportedModel("head dimension \(headDim) (this engine implements 64)") }
        if let rope = gguf.metadata[p + "rope.dimension_count"]?.intValue, rope != headDim {
            throw GGUFError.unsupportedModel("partial RoPE (\(rope) of \(headDim) dimensions)")
        }
        if let scaling = gguf.metadata[p + "rope.scaling.type"]?.stringValue, scaling != "none" {
            throw GGUFError.unsupportedModel("RoPE scaling '\(scaling)'")
        }
    }

    /// The context an unconfigured model gets: the trained length, at most 8192 positions
    /// (a chat turn of this engine rarely needs more, and attention cost grows with it), and
    /// at most a KV cache of 1/16 of physical memory; never below 2048 (or the trained length).
    public func defaultContextLength(physicalMemory: UInt64) -> Int {
        let byMemory = Int(physicalMemory / 16) / max(kvBytesPerPosition, 1)
        let cap = min(trainedContextLength, 8192)
        return min(trainedContextLength, max(min(cap, byMemory), 2048))
    }
}
