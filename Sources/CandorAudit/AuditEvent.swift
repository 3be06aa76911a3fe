import CandorCore
import CandorScheduler

/// What an audit reports while it runs, for progress displays and live dashboards.
public enum AuditEvent: Sendable {
    /// A run (new or resumed) is about to send its pending attempts.
    case runStarted(Run, resumed: Bool, pending: Int)
    /// Progress of the run with this id.
    case progress(runID: Int64, RunProgress)
    /// The run finished with every attempt answered or failed.
    case runFinished(Run)
}
