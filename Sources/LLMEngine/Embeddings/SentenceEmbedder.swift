import Foundation
import LLMTokenizers

/// Sentence embeddings from a BERT-style model folder (all-MiniLM-L6-v2): WordPiece
/// tokenization, the encoder, mean pooling over every token (including `[CLS]` and `[SEP]`)
/// and L2 normalisation, so the dot product of two embeddings is their cosine similarity.
public final class SentenceEmbedder: Sendable {
    public let tokenizer: WordPieceTokenizer
    public let encoder: BERTEncoder
    /// Sentences per encoder pass in ``embed(_:)``, at most.
    public let batchSize: Int
    /// Tokens per encoder pass in ``embed(_:)``, at most (a longer sentence goes alone): enough rows
    /// that the per-layer steps' thread hand-offs are a small part of each pass, few enough that a
    /// layer's activations stay in the processor's caches. Measured on the 2-core development
    /// machine with the texts of held-out v8's answers: on one thread, passes of 256–4,096 tokens
    /// cost the same per token, one pass of all 22,000 tokens 15% more, one sentence per pass 20%
    /// more; classifying dev's answers in chunks (two threads), passes of 512 tokens were 3–5%
    /// faster than passes of 2,048.
    public let tokensPerPass: Int

    public var dimension: Int { encoder.configuration.hidden }

    /// - Parameter folder: holds `config.json`, `model.safetensors`, `vocab.txt` and optionally
    ///   `tokenizer_config.json` (the `model.safetensors` file itself is accepted too).
    public init(folder location: URL, maxTokens: Int = 256, threads: Int? = nil, batchSize: Int = 64, tokensPerPass: Int = 512) throws {
        let folder = location.pathExtension == "safetensors" ? location.deletingLastPathComponent() : location
        encoder = try BERTEncoder(folder: folder, threads: threads)
        tokenizer = try WordPieceTokenizer(folder: folder, maxLength: min(maxTokens, encoder.configuration.maxPositions))
        let vocabulary = encoder.configuration.vocabulary
        if let largest = tokenizer.vocabulary.values.max(), Int(largest) >= vocabulary {
            throw ModelFileError(folder.appending(path: "vocab.txt").path, "token id \(largest) is outside the model's \(vocabulary)-token vocabulary")
        }
        self.batchSize = max(1, batchSize)
        self.tokensPerPass = max(1, tokensPerPass)
    }

    /// One unit-length vector per text, in order; consecutive texts share encoder passes of at most
    /// ``batchSize`` texts and ``tokensPerPass`` tokens. A text's vector does not depend on the
    /// others in its pass (see ``BERTEncoder/encode(_:)``).
    public func embed(_ texts: [String]) -> [[Float]] {
        var result: [[Float]] = []
        result.reserveCapacity(texts.count)
        var pass: [[Int32]] = []
        var tokens = 0
        func run() {
            for (sequence, states) in zip(pass, encoder.encode(pass)) {
                result.append(Self.meanPooled(states, tokens: sequence.count, dimension: dimension))
            }
            pass.removeAll(keepingCapacity: true)
            tokens = 0
        }
        for text in texts {
            let sequence = tokenizer.encode(text)
            if !pass.isEmpty, pass.count == batchSize || tokens + sequence.count > tokensPerPass { run() }
            pass.append(sequence)
            tokens += sequence.count
        }
        if !pass.isEmpty { run() }
        return result
    }

    /// One text's embedding.
    public func embed(_ text: String) -> [Float] { embed([text])[0] }

    static func meanPooled(_ states: [Float], tokens: Int, dimension: Int) -> [Float] {
        var pooled = [Float](repeating: 0, count: dimension)
        for t in 0..<tokens {
            for i in 0..<dimension { pooled[i] += states[t * dimension + i] }
        }
        var norm: Float = 0
        for i in 0..<dimension {
            pooled[i] /= Float(tokens)
            norm += pooled[i] * pooled[i]
        }
        let inverse = norm > 0 ? 1 / norm.squareRoot() : 0
        return pooled.map { $0 * inverse }
    }

    /// Cosine similarity of two unit vectors.
    public static func similarity(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for i in 0..<min(a.count, b.count) { sum += a[i] * b[i] }
        return sum
    }
}
