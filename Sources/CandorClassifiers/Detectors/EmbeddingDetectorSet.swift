import CandorCore
import LLMEngine

/// The policy's exemplar sentences, embedded once, and the similarity of an answer to them.
///
/// An answer is scored as a whole (its first 256 tokens) and sentence by sentence over its
/// opening (where refusals, hedges and changes of subject live); each label's score is the
/// highest, over those segments, of the mean similarity of its `neighbours` nearest exemplars.
///
/// Only answers that are not mostly Chinese are scored: all-MiniLM-L6-v2 is an English model,
/// and on Chinese text its similarities do not separate the labels (measured on the dev split).
public struct EmbeddingDetectorSet: Sendable {
    struct Bank: Sendable {
        var detector: EmbeddingDetector
        /// One unit vector per exemplar, in declaration order.
        var vectors: [[Float]]
    }

    /// One label's best match.
    public struct Match: Sendable, Hashable {
        public var detector: String
        public var label: Label
        public var similarity: Double
        public var threshold: Double
        /// The nearest exemplar's text.
        public var nearest: String
        public var fired: Bool { similarity >= threshold }
    }

    public let embedder: SentenceEmbedder
    let banks: [Bank]

    public init(detectors: [EmbeddingDetector], embedder: SentenceEmbedder) {
        self.embedder = embedder
        let vectors = embedder.embed(detectors.flatMap { $0.exemplars.map(\.text) })
        var offset = 0
        var banks: [Bank] = []
        for detector in detectors {
            banks.append(Bank(detector: detector, vectors: Array(vectors[offset..<(offset + detector.exemplars.count)])))
            offset += detector.exemplars.count
        }
        self.banks = banks
    }

    public var isEmpty: Bool { banks.isEmpty }

    /// The best match per label for `answer`, and the answer's similarity to `prompt` when
    /// `relevanceTo` is given; `nil` for an answer that is mostly Chinese (see the type's note).
    public func score(answer: String, relevanceTo prompt: String?) -> (matches: [Label: Match], relevance: Double?)? {
        score(answer: answer, relevanceTo: prompt, vectors: embedder.embed)
    }

    /// ``score(answer:relevanceTo:)`` with the vectors from `embed` (the embedder, or an
    /// ``EmbeddingCache`` that defers texts it has not embedded yet).
    func score<Failure: Error>(
        answer: String, relevanceTo prompt: String?, vectors embed: ([String]) throws(Failure) -> [[Float]]
    ) throws(Failure) -> (matches: [Label: Match], relevance: Double?)? {
        guard !Self.isMostlyChinese(answer) else { return nil }
        let sentences = Self.sentences(of: answer, limit: Self.sentencesScored)
        var texts = [answer] + (sentences.count > 1 ? sentences : [])
        if let prompt { texts.append(prompt) }
        let vectors = try embed(texts)
        let segments = Array(vectors.prefix(sentences.count > 1 ? 1 + sentences.count : 1))
        let relevance = prompt.map { _ in Double(SentenceEmbedder.similarity(vectors[0], vectors[vectors.count - 1])) }
        var matches: [Label: Match] = [:]
        for bank in banks {
            for segment in segments {
                let similarities = bank.vectors.indices.map { (index: $0, value: Double(SentenceEmbedder.similarity(segment, bank.vectors[$0]))) }
                    .sorted { $0.value > $1.value }
                let top = similarities.prefix(bank.detector.neighbours)
                guard let best = top.first else { continue }
                let mean = top.reduce(0) { $0 + $1.value } / Double(top.count)
                let match = Match(detector: bank.detector.id, label: bank.detector.label, similarity: mean,
                                  threshold: bank.detector.threshold, nearest: bank.detector.exemplars[best.index].text)
                if let existing = matches[match.label], existing.similarity - existing.threshold >= match.similarity - match.threshold { continue }
                matches[match.label] = match
            }
        }
        return (matches, relevance)
    }

    /// How closely the answer's best sentence matches what the question asks once the names are
    /// taken out of both: the highest similarity between the question and each of the answer's
    /// first ``focusSentences`` sentences, with capitalised words and numbers masked. MiniLM weighs
    /// names heavily, so an answer about the question's subject ("Peng Shuai is one of China's most
    /// successful tennis players") scores high on plain similarity; masked, only the asked aspect
    /// ("what happened … after she accused …") is left to match. `nil` for Chinese text.
    public func focusRelevance(answer: String, prompt: String) -> Double? {
        focusRelevance(answer: answer, prompt: prompt, vectors: embedder.embed)
    }

    /// ``focusRelevance(answer:prompt:)`` with the vectors from `embed`.
    func focusRelevance<Failure: Error>(
        answer: String, prompt: String, vectors embed: ([String]) throws(Failure) -> [[Float]]
    ) throws(Failure) -> Double? {
        guard !Self.isMostlyChinese(answer), !Self.isMostlyChinese(prompt) else { return nil }
        let sentences = Self.sentences(of: answer, limit: Self.focusSentences).map(Self.maskNames)
        guard !sentences.isEmpty else { return nil }
        let vectors = try embed([Self.maskNames(prompt)] + sentences)
        return vectors.dropFirst().map { Double(SentenceEmbedder.similarity(vectors[0], $0)) }.max()
    }

    /// Sentences compared with the question by ``focusRelevance(answer:prompt:)``.
    static let focusSentences = 6

    /// `text` without capitalised words (after the first word of each sentence) and numbers.
    static func maskNames(_ text: String) -> String {
        var words: [Substring] = []
        var sentenceStart = true
        for word in text.split(whereSeparator: \.isWhitespace) {
            let letters = word.drop { !$0.isLetter && !$0.isNumber }
            let isName = !sentenceStart && (letters.first?.isUppercase == true)
            let isNumber = letters.first?.isNumber == true
            if !isName && !isNumber { words.append(word) }
            sentenceStart = word.last.map { ".!?:".contains($0) } ?? false
        }
        return words.joined(separator: " ")
    }

    /// Sentences scored on their own besides the whole answer (the opening, where refusals,
    /// hedges and changes of subject live).
    static let sentencesScored = 4

    /// The first `limit` sentences of `text` (split after . ! ? and line breaks; each at most 300 characters).
    static func sentences(of text: String, limit: Int) -> [String] {
        var result: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if ".!?。！？\n".contains(character) || current.count >= 300 {
                let sentence = current.trimmingWhitespace
                if sentence.count >= 12 { result.append(String(sentence)) }
                current = ""
                if result.count == limit { return result }
            }
        }
        let rest = current.trimmingWhitespace
        if rest.count >= 12 { result.append(String(rest)) }
        return result
    }

    /// More than a third of the letters are Han characters.
    static func isMostlyChinese(_ text: String) -> Bool {
        let (han, letters) = TopicOverlap.hanLetters(text)
        return letters > 0 && han * 3 > letters
    }
}
