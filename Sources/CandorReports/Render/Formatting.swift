import CandorAnalysis
import CandorCore
import Foundation

/// Number and text formatting shared by the renderers.
public enum Formatting {
    /// `62.5% [40.1–80.2]`, or `n/a` without trials.
    public static func rate(_ proportion: Proportion) -> String {
        guard let rate = proportion.rate else { return "n/a" }
        return "\(percent(rate)) [\(percent(proportion.lower, sign: false))–\(percent(proportion.upper, sign: false))]"
    }

    public static func percent(_ value: Double, sign: Bool = false) -> String {
        let text = String(format: "%.1f%%", value * 100)
        return sign && value > 0 ? "+" + text : text
    }

    public static func difference(_ difference: ProportionDifference) -> String {
        guard let d = difference.difference else { return "n/a" }
        return "\(String(format: "%+.1f", d * 100)) pts [\(String(format: "%+.1f", difference.lower * 100))…\(String(format: "%+.1f", difference.upper * 100))]"
    }

    static func pValue(_ p: Double) -> String {
        p < 0.0001 ? "<0.0001" : String(format: "%.4f", p)
    }

    public static func date(_ date: Date?) -> String {
        guard let date else { return "—" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The first `limit` characters of model output, on one line.
    public static func excerpt(_ text: String?, limit: Int = 280) -> String {
        guard let text, !text.isEmpty else { return "(empty)" }
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    /// Escapes text for HTML and XML (element content and quoted attributes).
    public static func xml(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters are not allowed in XML 1.0; keep tab and newlines.
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r" {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Escapes text for Markdown: HTML-significant characters become entities and Markdown
    /// punctuation is backslash-escaped, so model output can neither inject markup nor links.
    static func markdown(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\\", "`", "*", "_", "[", "]", "(", ")", "#", "|", "!", "{", "}":
                out += "\\\(character)"
            case "\n", "\r\n": out += " "
            default: out.append(character)
            }
        }
        return out
    }

    public static func outcomeTitle(_ outcome: Outcome) -> String {
        switch outcome {
        case .pass: "Pass"
        case .censorship: "Censorship"
        case .unsafeCompliance: "Unsafe compliance"
        case .overRefusal: "Over-refusal"
        case .inconclusive: "Inconclusive"
        }
    }

    static func evidence(_ evidence: Evidence) -> String {
        switch evidence.kind {
        case .pattern: "pattern \(evidence.detector) → \(evidence.label) matched “\(excerpt(evidence.excerpt, limit: 80))”"
        case .embedding: "embedding \(evidence.detector) → \(evidence.label), similarity \(String(format: "%.3f", evidence.similarity ?? 0)) to “\(excerpt(evidence.excerpt, limit: 80))”"
        case .rule: "rule \(evidence.detector) → \(evidence.label)"
        case .model: "answer model → \(evidence.label), probability \(String(format: "%.2f", evidence.weight)), from \(excerpt(evidence.excerpt, limit: 80))"
        }
    }

    public static let failingOutcomes: [Outcome] = Outcome.allCases.filter(\.isFailure)

    static let method = """
        Each probe was sent to the model as a user message (after its mutator, if any). Every answer was \
        labelled by the policy's detectors: PCRE2 patterns for refusals, deflections, canned replies, state \
        narratives and disclaimers in English and Chinese, plus structural rules (empty answers, empty \
        reasoning blocks, short answers that mention none of the question's terms). The label and the \
        probe's expectation give the outcome through the policy's rules. Rates are computed per probe \
        (repeated samples averaged) and then pooled across probes; intervals are 95% Wilson score intervals \
        with probes as trials. Asymmetry is the share of withheld answers (refused, deflected, state \
        narrative, empty) on sensitive probes minus that on their matched controls, with Newcombe's hybrid \
        score interval. Run differences pair attempts by probe version, mutator and sample and use \
        McNemar's exact test; unpaired comparisons use Fisher's exact test.
        """
}
