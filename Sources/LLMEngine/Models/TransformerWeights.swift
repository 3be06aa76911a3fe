import LLMGGUF
import LLMKernels

/// A linear layer's weights: the ggml rows in the mapping and, when the interleaved kernels take
/// the format, an interleaved copy that the products use instead.
struct Linear: @unchecked Sendable {
    // @unchecked Sendable: `matrix` points into the read-only mapping; `interleaved` is read-only.
    let matrix: WeightMatrix
    let interleaved: InterleavedMatrix?

    /// `output = W · input` for each of `batch` input rows.
    func multiply(_ input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>, threads: Int) {
        Self.multiply([self], input, batch: batch, outputs: [output], threads: threads)
    }

    /// Several layers on the same input: one parallel job when all are interleaved.
    static func multiply(_ layers: [Linear], _ input: UnsafePointer<Float>, batch: Int, outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        let interleaved = layers.compactMap(\.interleaved)
        if interleaved.count == layers.count {
            InterleavedMatrix.multiply(interleaved, input: input, batch: batch, outputs: outputs, threads: threads)
            return
        }
        for (layer, output) in zip(layers, outputs) {
            if let matrix = layer.interleaved {
                matrix.multiply(input: input, batch: batch, output: output, threads: threads)
            } else {
                MatMul.multiply(layer.matrix, input: input, batch: batch, output: output, threads: threads)
            }
        }
    }
}

/// The model's weights, used in place from the memory mapping, except the linear layers that are
/// interleaved for the kernels (``InterleavedMatrix``): their source pages are released after
/// the copy, so resident memory holds each weight once.
struct TransformerWeights: @unchecked Sendable {
    // @unchecked Sendable: every pointer points into the read-only mapping owned by `file`,
    // which this value keeps alive.
    struct Layer {
        var attentionNorm: UnsafePointer<Float>
        var q, k, v, o: Linear
        var qBias, kBias, vBias: UnsafePointer<Float>?
        var ffnNorm: UnsafePointer<Float>
        var gate, up, down: Linear
    }

    let file: GGUFFile
    let tokenEmbedding: WeightMatrix
    let outputNorm: UnsafePointer<Float>
    let output: Linear
    let layers: [Layer]

    init(file: GGUFFile, hyper: Hyperparameters) throws(EngineError) {
        self.file = file
        func tensor(_ name: String) throws(EngineError) -> GGUFTensorInfo {
            guard let info = file.tensor(named: name) else { throw EngineError("tensor \(name) is missing") }
            return info
        }
        func matrix(_ name: String, rows: Int, columns: Int) throws(EngineError) -> WeightMatrix {
            let info = try tensor(name)
            guard info.shape == [columns, rows] else {
                throw EngineError("tensor \(name) has shape \(info.shape); expected [\(columns), \(rows)]")
            }
            return WeightMatrix(data: file.bytes(of: info).baseAddress!, format: try Self.format(info.type, name), rows: rows, columns: columns)
        }
        func linear(_ name: String, rows: Int, columns: Int) throws(EngineError) -> Linear {
            let matrix = try matrix(name, rows: rows, columns: columns)
            guard InterleavedMatrix.enabled, let interleaved = InterleavedMatrix(matrix) else { return Linear(matrix: matrix, interleaved: nil) }
            file.releaseResidentPages(of: try tensor(name))
            return Linear(matrix: matrix, interleaved: interleaved)
        }
        func vector(_ name: String, count: Int) throws(EngineError) -> UnsafePointer<Float> {
            let info = try tensor(name)
            guard info.type == .f32, info.elementCount == count else {
                throw EngineError("tensor \(name) is \(info.type.name) with \(info.elementCount) elements; expected F32 with \(count)")
            }
            return file.bytes(of: info).baseAddress!.assumingMemoryBound(to: Float.self)
        }
        let d = hyper.embedding, kv = hyper.kvHeads * hyper.headDimension
        tokenEmbedding = try matrix(TensorName.tokenEmbedding, rows: hyper.vocabulary, columns: d)
        outputNorm = try vector(TensorName.outputNorm, count: d)
        // Tied embeddings: the output head is the embedding table (whose rows are still looked up
        // from the mapping, faulting back in only the pages of the tokens seen).
        let outputName = file.tensor(named: TensorName.output) == nil ? TensorName.tokenEmbedding : TensorName.output
        output = try linear(outputName, rows: hyper.vocabulary, columns: d)
        var layers: [Layer] = []
        for l in 0..<hyper.layers {
            let name = { (part: String) in TensorName.block(l, part) }
            let bias = hyper.architecture.hasQKVBias
            layers.append(Layer(
                attentionNorm: try vector(name("attn_norm.weight"), count: d),
                q: try linear(name("attn_q.weight"), rows: d, columns: d),
                k: try linear(name("attn_k.weight"), rows: kv, columns: d),
                v: try linear(name("attn_v.weight"), rows: kv, columns: d),
                o: try linear(name("attn_output.weight"), rows: d, columns: d),
                qBias: bias ? try vector(name("attn_q.bias"), count: d) : nil,
                kBias: bias ? try vector(name("attn_k.bias"), count: kv) : nil,
                vBias: bias ? try vector(name("attn_v.bias"), count: kv) : nil,
                ffnNorm: try vector(name("ffn_norm.weight"), count: d),
                gate: try linear(name("ffn_gate.weight"), rows: hyper.feedForward, columns: d),
                up: try linear(name("ffn_up.weight"), rows: hyper.feedForward, columns: d),
                down: try linear(name("ffn_down.weight"), rows: d, columns: hyper.feedForward)
            ))
        }
        self.layers = layers
    }

    static func format(_ type: GGMLType, _ name: String) throws(EngineError) -> WeightFormat {
        switch type {
        case .f32: .f32
        case .f16: .f16
        case .bf16: .bf16
        case .q4_0: .q4_0
        case .q4_1: .q4_1
        case .q5_0: .q5_0
        case .q5_1: .q5_1
        case .q8_0: .q8_0
        case .q4_K: .q4_K
        case .q5_K: .q5_K
        case .q6_K: .q6_K
        default: throw EngineError("tensor \(name) uses \(type.name), which the engine does not support yet")
        }
    }
}
