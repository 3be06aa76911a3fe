import Foundation
import LLMCatalog
import LLMEngine
import LLMTokenizers
import Testing

/// The reference: token ids and sentence embeddings from sentence-transformers (float32).
struct MiniLMReference: Decodable {
    struct Case: Decodable {
        var text: String
        var token_ids: [Int32]
        var embedding: [Float]
    }
    var cases: [Case]

    static func load() throws -> MiniLMReference {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/all-minilm-l6-v2.reference", withExtension: "json"))
        return try JSONDecoder().decode(MiniLMReference.self, from: Data(contentsOf: url))
    }
}

@Suite("all-MiniLM-L6-v2 sentence embeddings against the reference", .serialized)
struct SentenceEmbeddingTests {
    static func embedder(batchSize: Int = 16) throws -> SentenceEmbedder {
        try SentenceEmbedder(folder: ModelCatalog.bundled.locate("all-minilm-l6-v2"), threads: 2, batchSize: batchSize)
    }

    @Test("WordPiece token ids are identical for every reference case")
    func tokenIDs() throws {
        let reference = try MiniLMReference.load()
        let tokenizer = try Self.embedder().tokenizer
        for item in reference.cases {
            #expect(tokenizer.encode(item.text) == item.token_ids, "\(item.text)")
        }
    }

    @Test("embeddings have cosine >= 0.999 with the reference for every case")
    func embeddings() throws {
        let reference = try MiniLMReference.load()
        let embedder = try Self.embedder()
        let vectors = embedder.embed(reference.cases.map(\.text))
        for (item, vector) in zip(reference.cases, vectors) {
            #expect(vector.count == 384)
            let cosine = SentenceEmbedder.similarity(vector, item.embedding)
            #expect(cosine >= 0.999, "\(item.text): cosine \(cosine)")
        }
    }

    @Test("a batch gives the same vectors as one sentence at a time, to the bit")
    func batchedEqualsSingle() throws {
        let reference = try MiniLMReference.load()
        let texts = reference.cases.map(\.text)
        let batched = try Self.embedder(batchSize: 16).embed(texts)
        let single = try Self.embedder(batchSize: 1)
        for (text, vector) in zip(texts, batched) {
            let alone = single.embed(text)
            let difference = zip(alone, vector).map { abs($0 - $1) }.max() ?? 0
            #expect(alone == vector, "\(text): max difference \(difference)")
        }
    }

    @Test("the encoder's batch of mixed-length sentences gives each sentence's states alone, to the bit; passes split by tokens give the same vectors")
    func mixedLengthBatch() throws {
        let embedder = try Self.embedder()
        let long = String(repeating: "The committee met on Tuesday to review the budget for schools, roads and hospitals. ", count: 30)
        let texts = ["Hi.", long, "What happened in Beijing on 4 June 1989?", "Taiwan's future should be decided peacefully, with dialogue and respect.",
                     String(long.prefix(400)), "OK", try MiniLMReference.load().cases[0].text]
        let sequences = texts.map(embedder.tokenizer.encode)
        #expect(sequences[1].count == 256, "the long text is cut at 256 tokens")
        #expect(sequences.map(\.count).reduce(0, +) >= BERTEncoder.parallelRowThreshold, "the batch takes the threaded per-row path")
        let together = embedder.encoder.encode(sequences)
        for (index, sequence) in sequences.enumerated() {
            let alone = embedder.encoder.encode([sequence])[0]
            #expect(alone == together[index], "\(texts[index].prefix(40)): states differ between alone and in the batch")
        }
        // Passes of at most 100 tokens (the long text alone in its own) and of at most 2 texts.
        let vectors = texts.map { embedder.embed($0) }
        let split = try SentenceEmbedder(folder: ModelCatalog.bundled.locate("all-minilm-l6-v2"), threads: 2, tokensPerPass: 100)
        #expect(split.embed(texts) == vectors)
        #expect(try Self.embedder(batchSize: 2).embed(texts) == vectors)
        #expect(embedder.embed(texts) == vectors)
    }

    @Test("basic tokenization: accents, case, punctuation, CJK, control characters, truncation")
    func basicTokenization() throws {
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "cafe", "un", "##aff", "##able", "!", "天", "安", ",", "hello", "-"]
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary.joined(separator: "\n"), maxLength: 6)
        #expect(tokenizer.basicTokens("CAFÉ\u{0}\u{200B} unaffable!天安") == ["cafe", "unaffable", "!", "天", "安"])
        #expect(tokenizer.wordPieces("unaffable") == [5, 6, 7])
        #expect(tokenizer.wordPieces("unknownword") == [1])
        #expect(tokenizer.wordPieces(String(repeating: "a", count: 101)) == [1])
        #expect(tokenizer.encode("hello-hello, hello") == [2, 12, 13, 12, 11, 3], "truncated to 6 with [SEP] kept")
        #expect(tokenizer.encode("") == [2, 3])
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(vocabulary: "[PAD]\n[CLS]\n[SEP]") }
    }
}
