/// Hyper-parameters of a llama-architecture model, from `llama.*` metadata.
public struct LlamaConfig: Sendable, Equatable {
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

    public init(gguf: GGUFFile) throws {
        let arch = try gguf.string("general.architecture")
        guard arch == "llama" else { throw GGUFError.unsupportedModel("architecture '\(arch)' (only 'llama' is implemented)") }
        layerCount = try gguf.int("llama.block_count")
        embeddingLength = try gguf.int("llama.embedding_length")
        feedForwardLength = try gguf.int("llama.feed_forward_length")
        headCount = try gguf.int("llama.attention.head_count")
        kvHeadCount = gguf.metadata["llama.attention.head_count_kv"]?.intValue ?? headCount
        ropeFrequencyBase = Float(gguf.metadata["llama.rope.freq_base"]?.doubleValue ?? 10_000)
        rmsEpsilon = Float(try gguf.double("llama.attention.layer_norm_rms_epsilon"))
        trainedContextLength = gguf.metadata["llama.context_length"]?.intValue ?? 2048
        let tokenCount = gguf.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count
        vocabularySize = gguf.metadata["llama.vocab_size"]?.intValue ?? tokenCount ?? 0
        guard headCount > 0, kvHeadCount > 0, headCount % kvHeadCount == 0, embeddingLength % headCount == 0 else {
            throw GGUFError.unsupportedModel("head counts \(headCount)/\(kvHeadCount) do not divide embedding length \(embeddingLength)")
        }
        // The attention kernels reproduce ggml's accumulation order for 64-wide heads.
        guard headDim == 64 else { throw GGUFError.unsupportedModel("head dimension \(headDim) (this engine implements 64)") }
        if let rope = gguf.metadata["llama.rope.dimension_count"]?.intValue, rope != headDim {
            throw GGUFError.unsupportedModel("partial RoPE (\(rope) of \(headDim) dimensions)")
        }
    }
}
