import Foundation

/// Separates a leading `<think>…</think>` block (how reasoning models such as DeepSeek-R1 expose
/// their reasoning inline) from the visible answer.
public enum ThinkBlock {
    /// The answer without its think block, and the block's content (`""` for an empty block,
    /// `nil` when there is none). An unclosed block is all reasoning and no answer.
    public static func split(_ text: String) -> (answer: String, reasoning: String?) {
        let trimmed = text.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("<think>") else { return (text, nil) }
        let afterOpen = trimmed.dropFirst("<think>".count)
        guard let close = afterOpen.range(of: "</think>") else {
            return ("", String(afterOpen).trimmingWhitespace)
        }
        let reasoning = String(afterOpen[..<close.lowerBound]).trimmingWhitespace
        let answer = String(afterOpen[close.upperBound...]).trimmingWhitespace
        return (answer, reasoning)
    }
}

extension String {
    var trimmingWhitespace: String {
        guard let start = firstIndex(where: { !$0.isWhitespace }), let end = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[start...end])
    }
}
