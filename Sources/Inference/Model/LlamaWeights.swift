/// A weight matrix inside the mapped file: `rows` rows of `cols` elements.
struct WeightMatrix: @unchecked Sendable {
    let name: String
    let type: GGMLType
    let data: UnsafePointer<UInt8>
    let rows: Int
    let cols: Int
    let rowBytes: Int
    /// Q4_1 rows in `PackedQ4_1`'s layout (the matmul reads only that layout).
    private(set) var packed = false

    init(_ gguf: GGUFFile, _ name: String, cols: Int, rows: Int) throws {
        let info = try gguf.requireTensor(name)
        guard info.dims.count == 2, info.dims[0] == cols, info.dims[1] == rows else {
            throw GGUFError.badTensorShape(tensor: name, detail: "\(info.dims), expected [\(cols), \(rows)]")
        }
        guard let layout = info.type.blockLayout else { throw GGUFError.unsupportedTensorType(tensor: name, type: info.type.name) }
        self.name = name
        self.type = info.type
        self.data = gguf.data(for: info).assumingMemoryBound(to: UInt8.self)
        self.rows = rows
        self.cols = cols
        self.rowBytes = cols / layout.elements * layout.bytes
    }

    /// A matrix over raw blocks already in memory (tests, benchmarks).
    init(name: String, type: GGMLType, data: UnsafePointer<UInt8>, rows: Int, cols: Int) {
        let layout = type.blockLayout!
        precondition(cols % layout.elements == 0, "\(name): \(cols) columns is not a multiple of \(type.name)'s block size")
        self.name = name
        self.type = type
        self.data = data
        self.rows = rows
        self.cols = cols
        self.rowBytes = cols / layout.elements * layout.bytes
    }

    func row(_ r: Int) -> UnsafePointer<UInt8> { data + r * rowBytes }

    /// Repacks Q4_1 rows and Q5_0 blocks in place (see PackedQ4_1, PackedQ5_0); other
    /// types are left as they are.
    func packedForMatmul() throws -> WeightMatrix {
        guard type == .q4_1 || type == .q5_0, !packed else { return self }
        if type == .q4_1 {
            try PackedQ4_1.repackMapped(UnsafeMutablePointer(mutating: data), rows: rows, blocksPerRow: cols / 32)
        } else {
            try PackedQ5_0.repackMapped(UnsafeMutablePointer(mutating: data), blocks: rows * cols / 32)
        }
        var m = self
        m.packed = true
        return m
    }
}

/// A vector of norm weights, converted to Float once (they are tiny).
func loadVector(_ gguf: GGUFFile, _ name: String, count: Int) throws -> [Float] {
    let info = try gguf.requireTensor(name)
    guard info.elementCount == count else {
        throw GGUFError.badTensorShape(tensor: name, detail: "\(info.dims), expected [\(count)]")
    }
    return Dequantize.row(info.type, gguf.data(for: info), count: count)
}

struct LayerWeights: @unchecked Sendable {
    let attentionNorm: [Float]
    let q, k, v, o: WeightMatrix
    /// Added after the Q, K and V projections (qwen2); nil for llama.
    let qBias, kBias, vBias: [Float]?
    let ffnNorm: [Float]
    let gate, up, down: WeightMatrix
}

/// All tensors of a llama or qwen2 model, pointing into the mapping (nothing large is copied).
struct LlamaWeights: @unchecked Sendable {
    let tokenEmbedding: WeightMatrix
    let layers: [LayerWeights]
    let outputNorm: [Float]
    /// The LM head; the token embedding when the file ties them.
    let output: WeightMatrix

    init(gguf: GGUFFile, config c: LlamaConfig) throws {
        let e = c.embeddingLength
        tokenEmbedding = try WeightMatrix(gguf, "token_embd.weight", cols: e, rows: c.vocabularySize)
        var layers: [LayerWeights] = []
        for i in 0..<c.layerCount {
            let p = "blk.\(i)."
            func matrix(_ name: String, cols: Int, rows: Int) throws -> WeightMatrix {
                try WeightMatrix(gguf, p + name, cols: cols, rows: rows).packedForMatmul()
            }
            func bias(_ name: String, count: Int) throws -> [Float]? {
                c.architecture.hasQKVBias ? try loadVector(gguf, p + name, count: count) : nil
            }
            layers.append(LayerWeights(
                attentionNorm: try loadVector(gguf, p + "attn_norm.weight", count: e),
                q: try matrix("attn_q.weight", cols: e, rows: e),
                k: try matrix("attn_k.weight", cols: e, rows: c.kvDim),
                v: try matrix("attn_v.weight", cols: e, rows: c.kvDim),
                o: try matrix("attn_output.weight", cols: e, rows: e),
                qBias: try bias("attn_q.bias", count: e),
                kBias: try bias("attn_k.bias", count: c.kvDim),
                vBias: try bias("attn_v.bias", count: c.kvDim),
                ffnNorm: try loadVector(gguf, p + "ffn_norm.weight", count: e),
                gate: try matrix("ffn_gate.weight", cols: e, rows: c.feedForwardLength),
                up: try matrix("ffn_up.weight", cols: e, rows: c.feedForwardLength),
                down: try matrix("ffn_down.weight", cols: c.feedForwardLength, rows: e)))
        }
        self.layers = layers
        outputNorm = try loadVector(gguf, "output_norm.weight", count: e)
        if gguf.tensor(named: "output.weight") != nil {
            output = try WeightMatrix(gguf, "output.weight", cols: e, rows: c.vocabularySize).packedForMatmul()
        } else {
            output = tokenEmbedding
        }
    }
}
