import LLMGGUF
import Synchronization

/// Byte-level BPE (`tokenizer.ggml.model = gpt2`) built from a GGUF file's metadata.
///
/// Plain text is never parsed for special tokens: a user prompt containing `<|im_end|>` is
/// tokenized as ordinary characters. Special and control tokens enter only through
/// ``encode(_:)-(ChatSegments)`` from a rendered chat template.
public final class BPETokenizer: Sendable {
    public let tokens: [String]
    let ids: [String: Int32]
    /// Merge rank by "left right" pair.
    let ranks: [String: Int]
    let types: [Int32]
    let preTokenizer: PreTokenizer
    /// Special tokens (control and user-defined) by text.
    public let specialTokens: [String: Int32]
    public let bosID: Int32?
    public let eosID: Int32?
    /// Tokens that end a turn (EOS, `<|im_end|>`, `<|endoftext|>`, `<|eot_id|>`).
    public let endOfTurnIDs: Set<Int32>
    private let cache = Mutex<[String: [Int32]]>([:])

    public var vocabularySize: Int { tokens.count }

    public init(gguf: GGUFFile) throws(TokenizerError) {
        guard let model = gguf.string("tokenizer.ggml.model") else { throw TokenizerError("tokenizer.ggml.model is missing") }
        guard model == "gpt2" else { throw TokenizerError("tokenizer model '\(model)' is not supported; expected gpt2 (byte-level BPE)") }
        guard let tokens = gguf.stringArray("tokenizer.ggml.tokens"), !tokens.isEmpty else { throw TokenizerError("tokenizer.ggml.tokens is missing") }
        guard let merges = gguf.stringArray("tokenizer.ggml.merges") else { throw TokenizerError("tokenizer.ggml.merges is missing") }
        self.tokens = tokens
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (index, token) in tokens.enumerated() where ids[token] == nil { ids[token] = Int32(index) }
        self.ids = ids
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() where ranks[merge] == nil { ranks[merge] = rank }
        self.ranks = ranks
        let types = gguf.intArray("tokenizer.ggml.token_type")?.map { Int32(truncatingIfNeeded: $0) } ?? Array(repeating: 1, count: tokens.count)
        self.types = types
        preTokenizer = try PreTokenizer(type: gguf.string("tokenizer.ggml.pre") ?? "gpt2")
        var specials: [String: Int32] = [:]
        for (index, type) in types.enumerated() where type == 3 || type == 4 { specials[tokens[index]] = Int32(index) }
        specialTokens = specials
        bosID = gguf.int("tokenizer.ggml.bos_token_id").map(Int32.init)
        eosID = gguf.int("tokenizer.ggml.eos_token_id").map(Int32.init)
        var endOfTurn: Set<Int32> = []
        if let eosID { endOfTurn.insert(eosID) }
        if let eot = gguf.int("tokenizer.ggml.eot_token_id") { endOfTurn.insert(Int32(eot)) }
        for text in ["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<end_of_turn>"] {
            if let id = specials[text] { endOfTurn.insert(id) }
        }
        endOfTurnIDs = endOfTurn
    }

    /// Tokens of plain text (no special tokens are recognised).
    public func encode(_ text: String) -> [Int32] {
        let bytes = Array(text.utf8)
        var output: [Int32] = []
        for piece in preTokenizer.split(bytes) {
            output += encodePiece(bytes[piece])
        }
        return output
    }

    /// Tokens of a rendered chat template: special segments by id, text segments as plain text.
    public func encode(_ segments: ChatSegments) throws(TokenizerError) -> [Int32] {
        var output: [Int32] = []
        for segment in segments.segments {
            switch segment {
            case .special(let name):
                guard let id = specialTokens[name] ?? ids[name] else { throw TokenizerError("the model has no special token \(name)") }
                output.append(id)
            case .text(let text):
                output += encode(text)
            }
        }
        return output
    }

    private func encodePiece(_ piece: ArraySlice<UInt8>) -> [Int32] {
        let mapped = String(ByteLevel.encode(piece))
        if let cached = cache.withLock({ $0[mapped] }) { return cached }
        var symbols = mapped.map { String($0) }
        while symbols.count > 1 {
            var best = Int.max, bestIndex = -1
            for i in 0..<(symbols.count - 1) {
                if let rank = ranks[symbols[i] + " " + symbols[i + 1]], rank < best {
                    best = rank
                    bestIndex = i
                }
            }
            guard bestIndex >= 0 else { break }
            symbols[bestIndex] += symbols[bestIndex + 1]
            symbols.remove(at: bestIndex + 1)
        }
        var result: [Int32] = []
        for symbol in symbols {
            if let id = ids[symbol] {
                result.append(id)
            } else {
                // A symbol outside the vocabulary: fall back to its single characters.
                for character in symbol { if let id = ids[String(character)] { result.append(id) } }
            }
        }
        cache.withLock { cache in
            if cache.count > 50_000 { cache.removeAll(keepingCapacity: true) }
            cache[mapped] = result
        }
        return result
    }

    /// The bytes a token stands for (special tokens give their text; unknown ids give nothing).
    public func bytes(of id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < tokens.count else { return [] }
        let token = tokens[Int(id)]
        if types[Int(id)] == 3 || types[Int(id)] == 4 { return Array(token.utf8) }
        return token.compactMap { ByteLevel.characterToByte[$0] }
    }

    /// The text of `ids`; invalid UTF-8 is replaced.
    public func decode(_ ids: [Int32]) -> String {
        String(decoding: ids.flatMap(bytes(of:)), as: UTF8.self)
    }

    /// Whether `id` is a special (control or user-defined) token.
    public func isSpecial(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < types.count && (types[Int(id)] == 3 || types[Int(id)] == 4)
    }
}
