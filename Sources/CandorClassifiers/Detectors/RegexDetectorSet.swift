import CandorCore
import PCRE2

/// A policy's regex detectors, compiled once and shared between threads.
public struct RegexDetectorSet: Sendable {
    /// A class, so that walking the list for every answer retains one reference per detector
    /// instead of copying each detector's strings.
    final class Compiled: Sendable {
        let detector: RegexDetector
        let regex: PCRE2Regex

        init(detector: RegexDetector, regex: PCRE2Regex) {
            self.detector = detector
            self.regex = regex
        }
    }

    let compiled: [Compiled]

    /// Compiles every pattern; the first that fails is reported with its detector id, the offset
    /// in the pattern and PCRE2's message.
    public init(detectors: [RegexDetector]) throws(PCRE2Error) {
        var compiled: [Compiled] = []
        for detector in detectors {
            var options: PCRE2Regex.Options = [.unicodeProperties]
            if detector.caseless { options.insert(.caseless) }
            compiled.append(Compiled(detector: detector, regex: try PCRE2Regex(detector.pattern, options: options, id: detector.id)))
        }
        self.compiled = compiled
    }

    public var count: Int { compiled.count }

    /// Evidence from every detector that matches `text` (the `field` it reads), at most one piece
    /// per detector: its first match within the detector's scope.
    public func evidence(in text: String, field: RegexDetector.Field) -> [Evidence] {
        guard !text.isEmpty else { return [] }
        var found: [Evidence] = []
        for entry in compiled where entry.detector.field == field {
            // A pattern that hits its backtracking limit gives no evidence rather than stopping the run.
            guard let match = try? entry.regex.firstMatch(in: text) else { continue }
            if case .opening(let characters) = entry.detector.scope,
               text.distance(from: text.startIndex, to: match.range.lowerBound) >= characters {
                continue
            }
            found.append(Evidence(
                kind: .pattern, detector: entry.detector.id, label: entry.detector.label, field: field.rawValue,
                utf8Start: match.utf8Range.lowerBound, utf8End: match.utf8Range.upperBound,
                excerpt: String(text[match.range].prefix(160)), weight: entry.detector.weight
            ))
        }
        return found
    }
}
