import CandorCore

/// Where a run's attempts are kept. The store implements it; the scheduler only needs these
/// operations, each of which must be committed before it returns, so a crash loses nothing that
/// was reported done.
public protocol AttemptLedger: Sendable {
    /// Records an answer and its verdict (if any) in one commit; the attempt becomes `answered`.
    func recordAnswer(_ attempt: PlannedAttempt, response: TargetResponse, latencySeconds: Double, tries: Int, verdict: Verdict?) async throws
    /// Records a final failure; the attempt becomes `failed` with the error as its reason.
    func recordFailure(_ attempt: PlannedAttempt, error: TargetError, tries: Int) async throws
}

/// Classifies an answer as it arrives.
public protocol AnswerJudge: Sendable {
    func verdict(for attempt: PlannedAttempt, response: TargetResponse) async -> Verdict?
}

/// Progress of a run, reported after every change.
public struct RunProgress: Sendable, Hashable {
    public var total: Int
    public var answered: Int
    public var failed: Int
    public var inFlight: Int
    public var retries: Int
    /// Seconds since the runner started.
    public var elapsed: Double

    public var done: Int { answered + failed }

    /// Completed attempts per second so far.
    public var rate: Double { elapsed > 0 ? Double(done) / elapsed : 0 }

    /// Estimated seconds left at the current rate, when there is a rate.
    public var estimatedRemaining: Double? {
        rate > 0 ? Double(total - done) / rate : nil
    }
}
