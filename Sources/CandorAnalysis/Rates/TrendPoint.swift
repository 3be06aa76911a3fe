import CandorCore
import Foundation

/// One run's outcome counts in one category: a point of a campaign's trend over time.
public struct TrendPoint: Sendable, Hashable, Codable {
    public var runID: Int64
    public var startedAt: Date
    public var model: String
    public var target: String
    public var category: String
    /// Attempts with a verdict.
    public var judged: Int
    /// Outcome raw value → attempts.
    public var outcomes: [String: Int]

    public init(runID: Int64, startedAt: Date, model: String, target: String, category: String, judged: Int, outcomes: [String: Int]) {
        self.runID = runID
        self.startedAt = startedAt
        self.model = model
        self.target = target
        self.category = category
        self.judged = judged
        self.outcomes = outcomes
    }

    /// Share of judged attempts with `outcome`, or `nil` when none were judged.
    public func rate(_ outcome: Outcome) -> Double? {
        judged > 0 ? Double(outcomes[outcome.rawValue] ?? 0) / Double(judged) : nil
    }
}
