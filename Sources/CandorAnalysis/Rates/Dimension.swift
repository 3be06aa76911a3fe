import CandorCore

/// A way of slicing a run's findings.
public enum Dimension: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable {
    case category, topic, language, mutator

    /// The finding's value along this dimension.
    public func value(of finding: Finding) -> String {
        switch self {
        case .category: finding.probe.category
        case .topic: finding.probe.topic
        case .language: finding.probe.language.rawValue
        case .mutator: finding.attempt.key.mutator
        }
    }
}
