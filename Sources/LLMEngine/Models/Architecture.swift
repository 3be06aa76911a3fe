import LLMGGUF

/// The transformer families the engine runs, in an explicit registry.
public enum Architecture: String, Sendable, CaseIterable {
    /// Llama (SmolLM2): RMSNorm, rotary embeddings on adjacent pairs (ggml's "normal" mode, the
    /// GGUF converter having permuted Q and K for it), grouped-query attention, SwiGLU.
    case llama
    /// Qwen2 (Qwen2.5): as llama plus biases on Q, K and V and NeoX-style rotary pairs (i, i + d/2).
    case qwen2

    var neoxRotary: Bool { self == .qwen2 }
    var hasQKVBias: Bool { self == .qwen2 }

    static func named(_ name: String) throws(EngineError) -> Architecture {
        guard let architecture = Architecture(rawValue: name) else {
            throw EngineError("unsupported architecture '\(name)'; supported: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return architecture
    }
}

/// Tensor names in GGUF files, in one table.
enum TensorName {
    static let tokenEmbedding = "token_embd.weight"
    static let outputNorm = "output_norm.weight"
    static let output = "output.weight"
    static func block(_ layer: Int, _ part: String) -> String { "blk.\(layer).\(part)" }
}

/// Metadata keys, in one table.
enum ModelKey {
    static let architecture = "general.architecture"
    static func blockCount(_ a: String) -> String { "\(a).block_count" }
    static func embeddingLength(_ a: String) -> String { "\(a).embedding_length" }
    static func feedForwardLength(_ a: String) -> String { "\(a).feed_forward_length" }
    static func headCount(_ a: String) -> String { "\(a).attention.head_count" }
    static func headCountKV(_ a: String) -> String { "\(a).attention.head_count_kv" }
    static func ropeBase(_ a: String) -> String { "\(a).rope.freq_base" }
    static func rmsEpsilon(_ a: String) -> String { "\(a).attention.layer_norm_rms_epsilon" }
    static func contextLength(_ a: String) -> String { "\(a).context_length" }
}

/// Hyperparameters read from the file.
public struct Hyperparameters: Sendable, Hashable {
    public var architecture: Architecture
    public var layers: Int
    public var embedding: Int
    public var feedForward: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDimension: Int
    public var ropeBase: Float
    public var rmsEpsilon: Float
    public var contextLength: Int
    public var vocabulary: Int

    init(gguf: GGUFFile) throws(EngineError) {
        guard let name = gguf.string(ModelKey.architecture) else { throw EngineError("general.architecture is missing") }
        architecture = try Architecture.named(name)
        func int(_ key: String) throws(EngineError) -> Int {
            guard let value = gguf.int(key), value > 0 else { throw EngineError("\(key) is missing or not a positive integer") }
            return value
        }
        layers = try int(ModelKey.blockCount(name))
        embedding = try int(ModelKey.embeddingLength(name))
        feedForward = try int(ModelKey.feedForwardLength(name))
        heads = try int(ModelKey.headCount(name))
        kvHeads = gguf.int(ModelKey.headCountKV(name)) ?? heads
        guard embedding % heads == 0, heads % kvHeads == 0 else {
            throw EngineError("embedding \(embedding), heads \(heads) and kv heads \(kvHeads) do not divide evenly")
        }
        headDimension = embedding / heads
        ropeBase = Float(gguf.double(ModelKey.ropeBase(name)) ?? 10_000)
        rmsEpsilon = Float(gguf.double(ModelKey.rmsEpsilon(name)) ?? 1e-5)
        contextLength = gguf.int(ModelKey.contextLength(name)) ?? 2048
        guard let embeddingTensor = gguf.tensor(named: TensorName.tokenEmbedding), embeddingTensor.shape.count == 2 else {
            throw EngineError("\(TensorName.tokenEmbedding) is missing")
        }
        vocabulary = embeddingTensor.shape[1]
    }
}

/// An engine failure.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
