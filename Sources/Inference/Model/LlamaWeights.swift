/// A weight matrix inside the mapped file: `rows` rows of `cols` elements.
struct WeightMatrix: @unchecked Sendable {
    let name: String
    let type: GGMLType
    let data: UnsafePointer<UInt8>
    let rows: Int
    let cols: Int
    let rowBytes: Int

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

    func row(_ r: Int) -> UnsafePointer<UInt8> { data + r * rowBytes }
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
    let ffnNorm: [Float]
    let gate, up, down: WeightMatrix
}

/// All tensors of a llama model, pointing into the mapping (nothing large is copied).
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
            layers.append(LayerWeights(
                attentionNorm: try loadVector(gguf, p + "attn_norm.weight", count: e),
                q: try WeightMatrix(gguf, p + "attn_q.weight", cols: e, rows: e),
                k: try WeightMatrix(gguf, p + "attn_k.weight", cols: e, rows: c.kvDim),
                v: try WeightMatrix(gguf, p + "attn_v.weight", cols: e, rows: c.kvDim),
                o: try WeightMatrix(gguf, p + "attn_output.weight", cols: e, rows: e),
                ffnNorm: try loadVector(gguf, p + "ffn_norm.weight", count: e),
                gate: try WeightMatrix(gguf, p + "ffn_gate.weight", cols: e, rows: c.feedForwardLength),
                up: try WeightMatrix(gguf, p + "ffn_up.weight", cols: e, rows: c.feedForwardLength),
                down: try WeightMatrix(gguf, p + "ffn_down.weight", cols: c.feedForwardLength, rows: e)))
        }
        self.layers = layers
        outputNorm = try loadVector(gguf, "output_norm.weight", count: e)
        if gguf.tensor(named: "output.weight") != nil {
            output = try WeightMatrix(gguf, "output.weight", cols: e, rows: c.vocabularySize)
        } else {
            output = tokenEmbedding
        }
    }
}
