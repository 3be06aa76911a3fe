import PCRE2

/// Splits text into pieces before BPE, as llama.cpp does for a `tokenizer.ggml.pre` type:
/// each regex in turn splits every piece into its matches and the gaps between them.
struct PreTokenizer: Sendable {
    let regexes: [PCRE2Regex]

    /// The split rules per pre-tokenizer type (facts from llama.cpp's vocabulary loader).
    static func patterns(for type: String) -> [String]? {
        let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"#
        switch type {
        case "smollm", "starcoder", "refact", "command-r", "codeshell":
            return [#"\p{N}"#, gpt2]
        case "gpt-2", "gpt2", "mpt", "olmo":
            return [gpt2]
        case "qwen2", "stablelm2":
            return [#"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#]
        default:
            return nil
        }
    }

    init(type: String) throws(TokenizerError) {
        guard let patterns = Self.patterns(for: type) else {
            throw TokenizerError("unsupported pre-tokenizer '\(type)'; supported: smollm, starcoder, gpt2, qwen2")
        }
        do {
            regexes = try patterns.enumerated().map { try PCRE2Regex($1, options: [.unicodeProperties], id: "pre-tokenizer \(type) #\($0)") }
        } catch {
            throw TokenizerError("\(error)")
        }
    }

    /// Byte ranges of the pieces of `text` (UTF-8).
    func split(_ text: [UInt8]) -> [Range<Int>] {
        var pieces: [Range<Int>] = [0..<text.count]
        text.withUnsafeBufferPointer { buffer in
            for regex in regexes {
                var next: [Range<Int>] = []
                for piece in pieces {
                    let slice = UnsafeBufferPointer(rebasing: buffer[piece])
                    var cursor = 0
                    try? regex.forEachMatch(inUTF8: slice) { match, _ in
                        if match.lowerBound > cursor { next.append((piece.lowerBound + cursor)..<(piece.lowerBound + match.lowerBound)) }
                        if !match.isEmpty { next.append((piece.lowerBound + match.lowerBound)..<(piece.lowerBound + match.upperBound)) }
                        cursor = match.upperBound
                        return true
                    }
                    if cursor < piece.count { next.append((piece.lowerBound + cursor)..<piece.upperBound) }
                }
                pieces = next
            }
        }
        return pieces.filter { !$0.isEmpty }
    }
}
