/// Sentence vectors gathered for a group of answers, so that the encoder embeds the texts of many
/// answers in one batch instead of a few short texts per answer (``VerdictEngine/classify(batch:)``).
///
/// The verdict engine asks for vectors at two points (``EmbeddingDetectorSet/score(answer:relevanceTo:)``
/// and ``EmbeddingDetectorSet/focusRelevance(answer:prompt:)``), and whether it asks at the
/// second depends on the answer to the first. So a batch runs in rounds: each answer is classified
/// against the cache; one that needs a text not embedded yet records it and stops
/// (``Deferred``); then every recorded text of the round is embedded together and the stopped
/// answers are classified again. An answer takes at most one round more than the embedding steps
/// it reaches, and each text is embedded once per batch however many answers ask for it.
///
/// A vector depends only on its own text: the encoder attends within each sequence, normalises and
/// quantizes row by row and sums integer products exactly, so a text embedded in a batch gets
/// the same floats as alone (LLMEngineTests, CandorClassifiersTests).
///
/// Used by one thread at a time (not `Sendable`).
final class EmbeddingCache {
    /// Thrown by the cache when a classification needs a vector it has not got yet.
    struct Deferred: Error {}

    private var vectors: [String: [Float]] = [:]
    /// Texts asked for and not embedded yet, in the order first asked.
    private(set) var wanted: [String] = []
    private var wantedSet: Set<String> = []

    /// The vectors of `texts`, in order; when any is missing, records the missing ones and throws.
    func vectors(_ texts: [String]) throws(Deferred) -> [[Float]] {
        var result: [[Float]] = []
        result.reserveCapacity(texts.count)
        var missing = false
        for text in texts {
            if let vector = vectors[text] {
                if !missing { result.append(vector) }
            } else {
                missing = true
                if wantedSet.insert(text).inserted { wanted.append(text) }
            }
        }
        if missing { throw Deferred() }
        return result
    }

    /// Embeds every wanted text in one call of `embed` (which returns one vector per text, in
    /// order); returns how many texts that was.
    @discardableResult
    func fill(_ embed: ([String]) -> [[Float]]) -> Int {
        guard !wanted.isEmpty else { return 0 }
        let texts = wanted
        wanted = []
        wantedSet = []
        for (text, vector) in zip(texts, embed(texts)) { vectors[text] = vector }
        return texts.count
    }
}
