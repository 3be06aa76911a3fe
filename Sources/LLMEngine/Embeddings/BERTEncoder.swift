import Foundation
import LLMKernels

/// A BERT encoder (as in all-MiniLM-L6-v2) over float32 safetensors weights.
///
/// Per token: word + position + token-type embeddings, LayerNorm; then per layer:
/// self-attention (`heads` heads, scaled dot product, no mask needed because every sequence is
/// attended separately), output projection, residual, LayerNorm; GELU (erf form) feed-forward,
/// residual, LayerNorm. The linear layers run over every token of every sequence at once, on
/// weights repacked at load time for matrix × matrix products (``QuantizedPanelMatrix`` with
/// AVX2, else ``PackedMatrix``).
public final class BERTEncoder: @unchecked Sendable {
    // @unchecked Sendable: the weights point into `file`'s read-only mapping, kept alive here,
    // and nothing is mutated after init; each `encode` call allocates its own buffers.

    public struct Configuration: Sendable, Hashable {
        public var hidden: Int
        public var intermediate: Int
        public var layers: Int
        public var heads: Int
        public var vocabulary: Int
        public var maxPositions: Int
        public var typeVocabulary: Int
        public var layerNormEpsilon: Float
    }

    struct Layer {
        var query, key, value, attentionOutput, intermediate, output: any MatrixProduct
        var queryBias, keyBias, valueBias, attentionOutputBias, intermediateBias, outputBias: UnsafePointer<Float>
        var attentionNormWeight, attentionNormBias, outputNormWeight, outputNormBias: UnsafePointer<Float>
    }

    public let configuration: Configuration
    let file: SafetensorsFile
    let wordEmbeddings, positionEmbeddings, typeEmbeddings: UnsafePointer<Float>
    let embeddingNormWeight, embeddingNormBias: UnsafePointer<Float>
    let layers: [Layer]
    let threads: Int

    /// Whether the linear layers use 11-bit integer weights and activations
    /// (``QuantizedPanelMatrix``): with AVX2, unless `CANDOR_KERNELS=f32` asks for the float path.
    /// Cosine with the reference embeddings stays at 0.9998 or above (LLMEngineTests).
    static let quantized = MatMul.integerPath && QuantizedPanelMatrix.best != .portable

    /// Loads `model.safetensors` and `config.json` from a model folder.
    public init(folder: URL, threads: Int? = nil) throws(ModelFileError) {
        let configURL = folder.appending(path: "config.json")
        configuration = try Self.readConfiguration(configURL)
        let weights = try SafetensorsFile(url: folder.appending(path: "model.safetensors"))
        file = weights
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let c = configuration
        guard c.heads > 0, c.hidden % c.heads == 0 else {
            throw ModelFileError(configURL.path, "hidden_size \(c.hidden) is not a multiple of num_attention_heads \(c.heads)")
        }
        let prefix = weights.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func vector(_ name: String, _ count: Int) throws(ModelFileError) -> UnsafePointer<Float> {
            try weights.float32(prefix + name, shape: [count])
        }
        func matrix(_ name: String, rows: Int, columns: Int) throws(ModelFileError) -> any MatrixProduct {
            let source = WeightMatrix(data: UnsafeRawPointer(try weights.float32(prefix + name, shape: [rows, columns])), format: .f32, rows: rows, columns: columns)
            return Self.quantized ? QuantizedPanelMatrix(source) : PackedMatrix(source)
        }
        wordEmbeddings = try weights.float32(prefix + "embeddings.word_embeddings.weight", shape: [c.vocabulary, c.hidden])
        positionEmbeddings = try weights.float32(prefix + "embeddings.position_embeddings.weight", shape: [c.maxPositions, c.hidden])
        typeEmbeddings = try weights.float32(prefix + "embeddings.token_type_embeddings.weight", shape: [c.typeVocabulary, c.hidden])
        embeddingNormWeight = try vector("embeddings.LayerNorm.weight", c.hidden)
        embeddingNormBias = try vector("embeddings.LayerNorm.bias", c.hidden)
        var layers: [Layer] = []
        for index in 0..<c.layers {
            let p = "encoder.layer.\(index)."
            layers.append(Layer(
                query: try matrix(p + "attention.self.query.weight", rows: c.hidden, columns: c.hidden),
                key: try matrix(p + "attention.self.key.weight", rows: c.hidden, columns: c.hidden),
                value: try matrix(p + "attention.self.value.weight", rows: c.hidden, columns: c.hidden),
                attentionOutput: try matrix(p + "attention.output.dense.weight", rows: c.hidden, columns: c.hidden),
                intermediate: try matrix(p + "intermediate.dense.weight", rows: c.intermediate, columns: c.hidden),
                output: try matrix(p + "output.dense.weight", rows: c.hidden, columns: c.intermediate),
                queryBias: try vector(p + "attention.self.query.bias", c.hidden),
                keyBias: try vector(p + "attention.self.key.bias", c.hidden),
                valueBias: try vector(p + "attention.self.value.bias", c.hidden),
                attentionOutputBias: try vector(p + "attention.output.dense.bias", c.hidden),
                intermediateBias: try vector(p + "intermediate.dense.bias", c.intermediate),
                outputBias: try vector(p + "output.dense.bias", c.hidden),
                attentionNormWeight: try vector(p + "attention.output.LayerNorm.weight", c.hidden),
                attentionNormBias: try vector(p + "attention.output.LayerNorm.bias", c.hidden),
                outputNormWeight: try vector(p + "output.LayerNorm.weight", c.hidden),
                outputNormBias: try vector(p + "output.LayerNorm.bias", c.hidden)
            ))
        }
        self.layers = layers
    }

    static func readConfiguration(_ url: URL) throws(ModelFileError) -> Configuration {
        guard let data = FileManager.default.contents(atPath: url.path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelFileError(url.path, "cannot read a JSON object")
        }
        func integer(_ key: String) throws(ModelFileError) -> Int {
            guard let value = object[key] as? Int, value > 0 else { throw ModelFileError(url.path, "\(key): expected a positive integer") }
            return value
        }
        if let activation = object["hidden_act"] as? String, activation != "gelu" {
            throw ModelFileError(url.path, "hidden_act '\(activation)' is not supported; expected gelu")
        }
        if let type = object["position_embedding_type"] as? String, type != "absolute" {
            throw ModelFileError(url.path, "position_embedding_type '\(type)' is not supported; expected absolute")
        }
        return Configuration(
            hidden: try integer("hidden_size"), intermediate: try integer("intermediate_size"), layers: try integer("num_hidden_layers"),
            heads: try integer("num_attention_heads"), vocabulary: try integer("vocab_size"),
            maxPositions: try integer("max_position_embeddings"), typeVocabulary: try integer("type_vocab_size"),
            layerNormEpsilon: Float((object["layer_norm_eps"] as? Double) ?? 1e-12)
        )
    }

    /// The final hidden states of each sequence: `sequences[i].count × hidden` floats each,
    /// computed together (the linear layers see every token of every sequence in one pass).
    /// Token ids must be below the vocabulary size and sequences no longer than `maxPositions`.
    ///
    /// A sequence's states do not depend on the other sequences of the batch, to the bit: each
    /// attends only to itself, the linear layers quantize and scale every row on its own and sum
    /// integer products exactly, and the per-row steps (bias, residual, LayerNorm, GELU) do the same
    /// arithmetic on a row whichever thread takes it.
    public func encode(_ sequences: [[Int32]]) -> [[Float]] {
        let c = configuration
        let h = c.hidden, wideWidth = c.intermediate
        let total = sequences.reduce(0) { $0 + $1.count }
        guard total > 0 else { return sequences.map { _ in [] } }
        let offsets = sequences.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        // Activations, row-major with one row per token of the whole batch; every one is written
        // in full before it is read.
        let x = UnsafeMutablePointer<Float>.allocate(capacity: total * h)              // [total, hidden]
        let q = UnsafeMutablePointer<Float>.allocate(capacity: total * h)              // [total, hidden]
        let k = UnsafeMutablePointer<Float>.allocate(capacity: total * h)              // [total, hidden]
        let v = UnsafeMutablePointer<Float>.allocate(capacity: total * h)              // [total, hidden]
        let context = UnsafeMutablePointer<Float>.allocate(capacity: total * h)        // [total, hidden]
        let projected = UnsafeMutablePointer<Float>.allocate(capacity: total * h)      // [total, hidden]
        let wide = UnsafeMutablePointer<Float>.allocate(capacity: total * wideWidth)   // [total, intermediate]
        defer { [x, q, k, v, context, projected, wide].forEach { $0.deallocate() } }

        // Embeddings, then LayerNorm, row by row.
        var tokens: [Int32] = [], positions: [Int32] = []
        tokens.reserveCapacity(total)
        positions.reserveCapacity(total)
        for sequence in sequences {
            tokens += sequence
            positions += (0..<sequence.count).map { Int32(min($0, c.maxPositions - 1)) }
        }
        let epsilon = c.layerNormEpsilon
        let (word, position, type) = (Address(wordEmbeddings), Address(positionEmbeddings), Address(typeEmbeddings))
        let (normWeight, normBias) = (Address(embeddingNormWeight), Address(embeddingNormBias))
        let xAddress = Address(x)
        forRows(total) { [tokens, positions] rows in
            let x = xAddress.mutable, word = word.pointer, position = position.pointer, type = type.pointer
            for r in rows {
                let row = x + r * h, id = Int(tokens[r]), pos = Int(positions[r])
                for i in 0..<h { row[i] = word[id * h + i] + position[pos * h + i] + type[i] }
                Self.layerNorm(row, rows: 1, width: h, weight: normWeight.pointer, bias: normBias.pointer, epsilon: epsilon)
            }
        }

        let headSize = h / c.heads
        let scale = 1 / Float(headSize).squareRoot()
        let lengths = sequences.map(\.count)
        let (qAddress, kAddress, vAddress) = (Address(q), Address(k), Address(v))
        let (projectedAddress, wideAddress) = (Address(projected), Address(wide))
        /// x ← LayerNorm(x + projected + bias), row by row across the pool.
        func addAndNormalize(bias: UnsafePointer<Float>, weight: UnsafePointer<Float>, normBias: UnsafePointer<Float>) {
            let (bias, weight, normBias) = (Address(bias), Address(weight), Address(normBias))
            forRows(total) { rows in
                for r in rows {
                    Self.addResidual(projectedAddress.mutable + r * h, bias: bias.pointer, into: xAddress.mutable + r * h, h)
                    Self.layerNorm(xAddress.mutable + r * h, rows: 1, width: h, weight: weight.pointer, bias: normBias.pointer, epsilon: epsilon)
                }
            }
        }
        for layer in layers {
            layer.query.multiply(x, count: total, into: q, threads: threads)
            layer.key.multiply(x, count: total, into: k, threads: threads)
            layer.value.multiply(x, count: total, into: v, threads: threads)
            let (qBias, kBias, vBias) = (Address(layer.queryBias), Address(layer.keyBias), Address(layer.valueBias))
            forRows(total) { rows in
                for r in rows {
                    Self.addBias(qAddress.mutable + r * h, qBias.pointer, h)
                    Self.addBias(kAddress.mutable + r * h, kBias.pointer, h)
                    Self.addBias(vAddress.mutable + r * h, vBias.pointer, h)
                }
            }
            // Attention, per sequence and head, the (sequence, head) pairs split across threads.
            attendAll(q: q, k: k, v: v, into: context, sequences: lengths, offsets: offsets, headSize: headSize, scale: scale)
            layer.attentionOutput.multiply(context, count: total, into: projected, threads: threads)
            addAndNormalize(bias: layer.attentionOutputBias, weight: layer.attentionNormWeight, normBias: layer.attentionNormBias)
            layer.intermediate.multiply(x, count: total, into: wide, threads: threads)
            let wideBias = Address(layer.intermediateBias)
            forRows(total) { rows in
                for r in rows {
                    let row = wideAddress.mutable + r * wideWidth
                    Self.addBias(row, wideBias.pointer, wideWidth)
                    Vector.gelu(row, wideWidth)
                }
            }
            layer.output.multiply(wide, count: total, into: projected, threads: threads)
            addAndNormalize(bias: layer.outputBias, weight: layer.outputNormWeight, normBias: layer.outputNormBias)
        }
        return (0..<sequences.count).map { s in Array(UnsafeBufferPointer(start: x + offsets[s] * h, count: lengths[s] * h)) }
    }

    /// A pointer carried into the worker pool's `@Sendable` closures as an integer (each part
    /// writes only its own rows; the rest is read-only while the job runs).
    struct Address: @unchecked Sendable {
        let bits: UInt
        init(_ pointer: UnsafePointer<Float>) { bits = UInt(bitPattern: pointer) }
        init(_ pointer: UnsafeMutablePointer<Float>) { bits = UInt(bitPattern: pointer) }
        var pointer: UnsafePointer<Float> { UnsafePointer(bitPattern: bits)! }
        var mutable: UnsafeMutablePointer<Float> { UnsafeMutablePointer(bitPattern: bits)! }
    }

    /// Rows below which the per-row steps run on the calling thread (handing them over would cost
    /// more than it saves).
    public static let parallelRowThreshold = 64

    /// `body` over `0 ..< total` in contiguous ranges, one per thread of the pool.
    private func forRows(_ total: Int, _ body: @escaping @Sendable (Range<Int>) -> Void) {
        let parts = total >= Self.parallelRowThreshold ? threads : 1
        guard parts > 1 else { body(0..<total); return }
        let size = (total + parts - 1) / parts
        WorkerPool.shared(threads: threads).run(parts: parts) { part in
            body(min(total, part * size)..<min(total, (part + 1) * size))
        }
    }

    /// row[i] += bias[i].
    @inline(__always)
    static func addBias(_ row: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ width: Int) {
        for i in 0..<width { row[i] += bias[i] }
    }

    /// projected[i] += bias[i], then x[i] += projected[i] (the linear layer's output, then the residual).
    @inline(__always)
    static func addResidual(_ projected: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, _ width: Int) {
        for i in 0..<width {
            projected[i] += bias[i]
            x[i] += projected[i]
        }
    }

    /// Attention of every sequence and head; each worker takes every `parts`-th (sequence, head)
    /// pair and writes only that pair's columns of `context`.
    private func attendAll(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, into context: UnsafeMutablePointer<Float>,
        sequences lengths: [Int], offsets: [Int], headSize: Int, scale: Float
    ) {
        let heads = configuration.heads, stride = configuration.hidden
        let pairs = lengths.count * heads
        let parts = max(1, min(threads, pairs))
        let longest = lengths.max() ?? 0
        // Addresses cross into the workers as integers (disjoint writes, read-only inputs).
        let addresses = (UInt(bitPattern: q), UInt(bitPattern: k), UInt(bitPattern: v), UInt(bitPattern: context))
        WorkerPool.shared(threads: threads).run(parts: parts) { part in
            let q = UnsafePointer<Float>(bitPattern: addresses.0)!, k = UnsafePointer<Float>(bitPattern: addresses.1)!
            let v = UnsafePointer<Float>(bitPattern: addresses.2)!, context = UnsafeMutablePointer<Float>(bitPattern: addresses.3)!
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, longest))
            let keysT = UnsafeMutablePointer<Float>.allocate(capacity: max(1, longest * headSize))
            defer {
                scores.deallocate()
                keysT.deallocate()
            }
            var pair = part
            while pair < pairs {
                let s = pair / heads, head = pair % heads
                Attention.head(q: q, k: k, v: v, into: context, scores: scores, keysT: keysT, start: offsets[s], count: lengths[s],
                               column: head * headSize, headSize: headSize, stride: stride, scale: scale)
                pair += parts
            }
        }
    }

    /// Row-wise LayerNorm in place: (x − mean) / sqrt(variance + ε) · weight + bias.
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float) {
        for r in 0..<rows {
            let row = x + r * width
            var mean: Float = 0
            for i in 0..<width { mean += row[i] }
            mean /= Float(width)
            var variance: Float = 0
            for i in 0..<width { variance += (row[i] - mean) * (row[i] - mean) }
            variance /= Float(width)
            let inverse = 1 / (variance + epsilon).squareRoot()
            for i in 0..<width { row[i] = (row[i] - mean) * inverse * weight[i] + bias[i] }
        }
    }
}
