import Foundation
import LLMTokenizers

/// Sentence embeddings from a BERT-style model folder (all-MiniLM-L6-v2): WordPiece
/// tokenization, the encoder, mean pooling over every token (including `[CLS]` and `[SEP]`)
/// and L2 normalisation, so the dot product of two embeddings is their cosine similarity.
public final class SentenceEmbedder: Sendable {
    public let tokenizer: WordPieceTokenizer
    public let encoder: BERTEncoder
    /// Sentences per encoder pass in ``embed(_:)``.
    public let batchSize: Int

    public var dimension: Int { encoder.configuration.hidden }

    /// - Parameter folder: holds `config.json`, `model.safetensors`, `vocab.txt` and optionally
    ///   `tokenizer_config.json` (the `model.safetensors` file itself is accepted too).
    public init(folder location: URL, maxTokens: Int = 256, threads: Int? = nil, batchSize: Int = 16) throws {
        let folder = location.pathExtension == "safetensors" ? location.deletingLastPathComponent() : location
        encoder = try BERTEncoder(folder: folder, threads: threads)
        tokenizer = try WordPieceTokenizer(folder: folder, maxLength: min(maxTokens, encoder.configuration.maxPositions))
        let vocabulary = encoder.configuration.vocabulary
        if let largest = tokenizer.vocabulary.values.max(), Int(largest) >= vocabulary {
            throw ModelFileError(folder.appending(path: "vocab.txt").path, "token id \(largest) is outside the model's \(vocabulary)-token vocabulary")
        }
        self.batchSize = max(1, batchSize)
    }

    /// One unit-length vector per text, in order.
    public func embed(_ texts: [String]) -> [[Float]] {
        var result: [[Float]] = []
        result.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let slice = texts[start..<min(texts.count, start + batchSize)]
            let sequences = slice.map(tokenizer.encode)
            for (tokens, states) in zip(sequences, encoder.encode(sequences)) {
                result.append(Self.meanPooled(states, tokens: tokens.count, dimension: dimension))
            }
            start += batchSize
        }
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
