import CandorCore
import Foundation

/// One campaign audit started by the API or the scheduler, as the API reports it.
public struct AuditJob: Sendable, Codable, Hashable {
    public enum State: String, Sendable, Codable {
        case running, completed, failed, cancelled
    }

    /// Live progress of the run being performed.
    public struct Progress: Sendable, Codable, Hashable {
        public var runID: Int64
        public var total: Int
        public var answered: Int
        public var failed: Int
        public var inFlight: Int
        public var elapsedSeconds: Double
    }

    public var id: Int
    public var campaign: String
    /// `api` or `schedule`.
    public var trigger: String
    public var state: State
    public var startedAt: Date
    public var finishedAt: Date?
    /// The runs created or resumed so far, in order.
    public var runIDs: [Int64]
    public var progress: Progress?
    /// Why the job failed, when it did.
    public var error: String?
}
