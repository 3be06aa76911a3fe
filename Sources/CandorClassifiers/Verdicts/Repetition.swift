/// How much of an answer repeats itself: the share of its word 4-grams that occurred before in it
/// (words are runs of ASCII letters, digits and apostrophes, and each CJK ideograph). Small models
/// that lose the thread loop on one phrase ("是中国不可分割的一部分，是中国不可分割的一部分，…");
/// the learned answer model, trained on fluent answers, misreads such text (entry 30 of
/// eval/README.md), so the verdict engine leaves it to the detectors.
public enum Repetition {
    /// 0 for texts of fewer than eight 4-grams; otherwise 1 − distinct 4-grams / all 4-grams.
    public static func ratio(_ text: String) -> Double {
        var words: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty { words.append(current); current = "" }
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if (0x4E00...0x9FFF).contains(value) {
                flush()
                words.append(String(scalar))
            } else if (97...122).contains(value) || (48...57).contains(value) || value == 39 {
                current.unicodeScalars.append(scalar)
            } else if (65...90).contains(value) {
                current.unicodeScalars.append(Unicode.Scalar(value + 32)!)
            } else {
                flush()
            }
        }
        flush()
        let count = words.count - 3
        guard count >= 8 else { return 0 }
        var seen = Set<[String]>()
        for start in 0..<count { seen.insert(Array(words[start..<(start + 4)])) }
        return 1 - Double(seen.count) / Double(count)
    }
}
