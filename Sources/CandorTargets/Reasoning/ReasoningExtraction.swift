import Foundation

/// Separates exposed reasoning from the visible answer.
///
/// Reasoning models put their chain of thought in a leading `<think>…</think>` block (Qwen3,
/// DeepSeek-R1 distills) and some servers strip the opening tag, leaving `…</think>answer`.
/// An empty block (`<think>\n\n</think>`) yields reasoning `""`: the model chose to show no
/// reasoning, which is itself a finding, so it is kept distinct from `nil` (no block at all).
public enum ReasoningExtraction {
    /// The answer with the think block removed, and the block's trimmed content.
    public static func split(_ content: String) -> (answer: String, reasoning: String?) {
        let open = "<think>", close = "</think>"
        let leading = content.drop(while: { $0.isWhitespace })
        if leading.hasPrefix(open) {
            let afterOpen = leading.dropFirst(open.count)
            guard let closeRange = afterOpen.range(of: close) else {
                // Unterminated: the model ran out of tokens while thinking.
                return ("", trim(afterOpen))
            }
            let reasoning = trim(afterOpen[..<closeRange.lowerBound])
            let answer = trim(afterOpen[closeRange.upperBound...])
            return (answer, reasoning)
        }
        if !content.contains(open), let closeRange = content.range(of: close) {
            return (trim(content[closeRange.upperBound...]), trim(content[..<closeRange.lowerBound]))
        }
        return (content, nil)
    }

    private static func trim(_ text: Substring) -> String {
        String(text.drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
