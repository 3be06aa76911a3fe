import Foundation

/// BERT's tokenizer: basic tokenization (cleaning, lower-casing, accent stripping, punctuation
/// and CJK splitting) followed by greedy longest-match-first WordPiece over a vocabulary file.
///
/// Matches the behaviour of the uncased BERT tokenizer that sentence-transformers models such
/// as all-MiniLM-L6-v2 were trained with: `[CLS] pieces… [SEP]`, words longer than 100
/// characters or with no decomposition become `[UNK]`, and the sequence is truncated to
/// `maxLength` tokens including the two markers.
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String: Int32]
    public let lowercase: Bool
    public let maxLength: Int
    public let unknownID: Int32
    public let classID: Int32
    public let separatorID: Int32
    public let paddingID: Int32
    static let maxCharactersPerWord = 100

    /// - Parameter vocabulary: one token per line; the line number (0-based) is the id.
    public init(vocabulary text: String, lowercase: Bool = true, maxLength: Int = 256) throws(TokenizerError) {
        var vocabulary: [String: Int32] = [:]
        var index: Int32 = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let token = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            if !token.isEmpty, vocabulary[token] == nil { vocabulary[token] = index }
            index += 1
        }
        func id(_ token: String) throws(TokenizerError) -> Int32 {
            guard let id = vocabulary[token] else { throw TokenizerError("the WordPiece vocabulary has no \(token) token") }
            return id
        }
        guard maxLength >= 2 else { throw TokenizerError("maxLength \(maxLength) leaves no room for [CLS] and [SEP]") }
        self.vocabulary = vocabulary
        self.lowercase = lowercase
        self.maxLength = maxLength
        unknownID = try id("[UNK]")
        classID = try id("[CLS]")
        separatorID = try id("[SEP]")
        paddingID = try id("[PAD]")
    }

    /// Reads `vocab.txt`, and `tokenizer_config.json` (for `do_lower_case`) when it exists, from a model folder.
    public init(folder: URL, maxLength: Int = 256) throws(TokenizerError) {
        let vocabularyURL = folder.appending(path: "vocab.txt")
        guard let data = FileManager.default.contents(atPath: vocabularyURL.path), let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError("cannot read \(vocabularyURL.path)")
        }
        var lowercase = true
        if let config = FileManager.default.contents(atPath: folder.appending(path: "tokenizer_config.json").path),
           let object = try? JSONSerialization.jsonObject(with: config) as? [String: Any],
           let flag = object["do_lower_case"] as? Bool {
            lowercase = flag
        }
        try self.init(vocabulary: text, lowercase: lowercase, maxLength: maxLength)
    }

    /// `[CLS]`, the word pieces of `text` (truncated), `[SEP]`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [classID]
        let budget = maxLength - 1
        outer: for word in basicTokens(text) {
            for id in wordPieces(word) {
                guard ids.count < budget else { break outer }
                ids.append(id)
            }
        }
        ids.append(separatorID)
        return ids
    }

    /// Basic tokenization: the words and punctuation marks WordPiece then splits.
    public func basicTokens(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) {
                flush()
            } else if Self.isCJK(scalar) {
                flush()
                words.append(String(scalar))
            } else {
                current.append(scalar)
            }
        }
        flush()
        var tokens: [String] = []
        for word in words {
            var normalised = word
            if lowercase {
                normalised = normalised.lowercased()
                normalised = String(String.UnicodeScalarView(normalised.decomposedStringWithCanonicalMapping.unicodeScalars.filter {
                    $0.properties.generalCategory != .nonspacingMark
                }))
            }
            var piece = String.UnicodeScalarView()
            for scalar in normalised.unicodeScalars {
                if Self.isPunctuation(scalar) {
                    if !piece.isEmpty { tokens.append(String(piece)) }
                    piece = String.UnicodeScalarView()
                    tokens.append(String(scalar))
                } else {
                    piece.append(scalar)
                }
            }
            if !piece.isEmpty { tokens.append(String(piece)) }
        }
        return tokens
    }

    /// Greedy longest-match-first decomposition of one word; `[UNK]` if it has none.
    public func wordPieces(_ word: String) -> [Int32] {
        let scalars = Array(word.unicodeScalars)
        guard scalars.count <= Self.maxCharactersPerWord else { return [unknownID] }
        var pieces: [Int32] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int32?
            while start < end {
                var candidate = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { candidate = "##" + candidate }
                if let id = vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let found else { return [unknownID] }
            pieces.append(found)
            start = end
        }
        return pieces
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT splits into single characters.
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}
