import Foundation

/// The `ngrams-v1` features of a (question, answer) pair: hashed character and word n-grams of
/// three text blocks, each block's counts log-scaled, L2-normalised and weighted.
///
/// - block 0, the answer (its first ``answerLimit`` characters): what it says;
/// - block 1, the answer's opening (first ``openingLimit`` characters): how it starts (a hedge,
///   a refusal, a change of subject);
/// - block 2, the question: which requests tend to get which answers.
///
/// Character n-grams of 2–4 Unicode scalars cover both English words and Chinese phrases without a
/// segmenter; word unigrams and bigrams (runs of letters; each CJK ideograph is a word) add
/// vocabulary. Features hash (FNV-1a) into `buckets` per block; a collision only shares a weight.
public struct NGramFeatures: Sendable {
    public static let featureSet = "ngrams-v1"
    public static let blocks = 3
    static let answerLimit = 1500
    static let openingLimit = 150
    /// Each block's weight after normalisation (the model's L2 penalty is the same for all).
    public static let blockScales: [Float] = [5, 5, 2]

    public let buckets: Int

    public init(buckets: Int) {
        precondition(buckets > 0)
        self.buckets = buckets
    }

    /// One example's non-zero features: indices into `blocks × buckets`, ascending.
    public struct Vector: Sendable {
        public var indices: [Int32] = []
        public var values: [Float] = []
    }

    public func vector(prompt: String, answer: String) -> Vector {
        let answerScalars = Self.lowered(answer, limit: Self.answerLimit)
        var vector = Vector()
        append(block: 0, answerScalars[...], to: &vector)
        append(block: 1, answerScalars.prefix(Self.openingLimit), to: &vector)
        append(block: 2, Self.lowered(prompt, limit: Self.answerLimit)[...], to: &vector)
        return vector
    }

    /// The n-grams of one block with their bucket (block offset included), for explaining a
    /// verdict: which words and phrases weighed most.
    public func grams(prompt: String, answer: String, block: Int) -> [(index: Int, text: String, isWord: Bool)] {
        let scalars: ArraySlice<Unicode.Scalar>
        switch block {
        case 0: scalars = Self.lowered(answer, limit: Self.answerLimit)[...]
        case 1: scalars = Self.lowered(answer, limit: Self.answerLimit).prefix(Self.openingLimit)
        default: scalars = Self.lowered(prompt, limit: Self.answerLimit)[...]
        }
        var found: [(Int, String, Bool)] = []
        Self.forEachGram(scalars) { hash, isWord, text in
            found.append((block * buckets + Int(hash % UInt32(buckets)), text(), isWord))
        }
        return found
    }

    private func append(block: Int, _ scalars: ArraySlice<Unicode.Scalar>, to vector: inout Vector) {
        // Counts in a dense row; the buckets touched, sorted, give the sparse vector.
        var counts = [UInt16](repeating: 0, count: buckets)
        var touched: [Int32] = []
        touched.reserveCapacity(scalars.count * 4)
        Self.forEachGram(scalars) { hash, _, _ in
            let bucket = Int(hash % UInt32(buckets))
            if counts[bucket] == 0 { touched.append(Int32(bucket)) }
            counts[bucket] &+= counts[bucket] == .max ? 0 : 1
        }
        guard !touched.isEmpty else { return }
        touched.sort()
        var norm: Float = 0
        for bucket in touched { let value = (1 + Float(counts[Int(bucket)])).logarithm; norm += value * value }
        let scale = Self.blockScales[block] / norm.squareRoot()
        let offset = Int32(block * buckets)
        for bucket in touched {
            vector.indices.append(offset + bucket)
            vector.values.append((1 + Float(counts[Int(bucket)])).logarithm * scale)
        }
    }

    static func lowered(_ text: String, limit: Int) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(min(limit, text.unicodeScalars.count))
        for scalar in text.unicodeScalars {
            if scalars.count == limit { break }
            if scalar.isASCII {
                let value = scalar.value
                scalars.append(value >= 65 && value <= 90 ? Unicode.Scalar(value + 32)! : scalar)
            } else if scalar.properties.changesWhenLowercased {
                scalars.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                scalars.append(scalar)
            }
        }
        return scalars
    }

    static func isIdeograph(_ scalar: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
    }

    static func isWordLetter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "'" }
        return scalar == "\u{2019}" || (scalar.properties.isAlphabetic && !isIdeograph(scalar))
    }

    /// Calls `body` with each n-gram's hash, whether it is a word n-gram, and a way to spell it: character 2-, 3- and 4-grams,
    /// then word unigrams and bigrams. Each kind hashes with its own tag, so "ab" the character
    /// pair and "ab" the word differ.
    static func forEachGram(_ scalars: ArraySlice<Unicode.Scalar>, _ body: (UInt32, Bool, () -> String) -> Void) {
        let base = scalars.startIndex
        for length in 2...4 where scalars.count >= length {
            for start in base...(scalars.endIndex - length) {
                var hash = FNV1a(tag: UInt8(length))
                for index in start..<(start + length) { hash.add(scalars[index]) }
                body(hash.value, false) { String(String.UnicodeScalarView(scalars[start..<(start + length)])) }
            }
        }
        var words: [Range<Int>] = []
        var index = base
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if isIdeograph(scalar) {
                words.append(index..<(index + 1))
                index += 1
            } else if isWordLetter(scalar) {
                let start = index
                while index < scalars.endIndex, isWordLetter(scalars[index]) { index += 1 }
                words.append(start..<index)
            } else {
                index += 1
            }
        }
        func spell(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[range])) }
        for word in words {
            var hash = FNV1a(tag: 10)
            for index in word { hash.add(scalars[index]) }
            body(hash.value, true) { spell(word) }
        }
        for (first, second) in zip(words, words.dropFirst()) {
            var hash = FNV1a(tag: 11)
            for index in first { hash.add(scalars[index]) }
            hash.add(" ")
            for index in second { hash.add(scalars[index]) }
            // Spelled as the text has it (with whatever stood between the words), so evidence
            // quotes the answer.
            body(hash.value, true) { spell(first.lowerBound..<second.upperBound) }
        }
    }
}

/// 32-bit FNV-1a over a tag byte and Unicode scalar values (four little-endian bytes each).
struct FNV1a {
    private(set) var value: UInt32 = 2_166_136_261

    init(tag: UInt8) { mix(tag) }

    mutating func add(_ scalar: Unicode.Scalar) {
        let code = scalar.value
        mix(UInt8(truncatingIfNeeded: code))
        mix(UInt8(truncatingIfNeeded: code >> 8))
        mix(UInt8(truncatingIfNeeded: code >> 16))
        mix(UInt8(truncatingIfNeeded: code >> 24))
    }

    private mutating func mix(_ byte: UInt8) {
        value = (value ^ UInt32(byte)) &* 16_777_619
    }
}

extension Float {
    /// Natural logarithm.
    var logarithm: Float { Float(log(Double(self))) }
}
