import CandorCore
import Foundation

/// Model output with its evidence spans marked, for the finding page.
public enum PageHighlight {
    /// `text` escaped, with each evidence span (UTF-8 byte offsets, clamped, overlaps merged) in `<mark>`.
    public static func html(_ text: String, spans: [Evidence]) -> String {
        let bytes = Array(text.utf8)
        var ranges: [Range<Int>] = []
        for span in spans {
            guard let start = span.utf8Start, let end = span.utf8End else { continue }
            let lower = min(max(0, start), bytes.count), upper = min(max(lower, end), bytes.count)
            if lower < upper { ranges.append(lower..<upper) }
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for range in ranges {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        func piece(_ range: Range<Int>) -> String { HTMLPage.h(String(decoding: bytes[range], as: UTF8.self)) }
        var html = "", cursor = 0
        for range in merged {
            html += piece(cursor..<range.lowerBound) + "<mark>" + piece(range) + "</mark>"
            cursor = range.upperBound
        }
        return html + piece(cursor..<bytes.count)
    }
}
