/// The limits a run is scheduled under, per target.
public struct SchedulerPolicy: Sendable, Hashable {
    /// Attempts in flight at once.
    public var concurrency: Int
    /// Sustained requests per second, or `nil` for no limit.
    public var ratePerSecond: Double?
    /// Requests that may start back to back before the rate applies (token-bucket capacity).
    public var burst: Int
    /// Retries after the first try, for retryable failures only.
    public var maxRetries: Int
    /// Delay before the first retry, in seconds; doubles with each further retry.
    public var baseBackoff: Double
    /// Upper bound of any backoff delay, in seconds.
    public var maxBackoff: Double
    /// Fraction of each backoff delay that is randomised (0 = none, 1 = anywhere from 0 to the delay).
    public var jitter: Double

    public init(
        concurrency: Int, ratePerSecond: Double? = nil, burst: Int = 1, maxRetries: Int = 3,
        baseBackoff: Double = 0.5, maxBackoff: Double = 30, jitter: Double = 0.5
    ) {
        precondition(concurrency >= 1, "concurrency must be at least 1")
        self.concurrency = concurrency
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst)
        self.maxRetries = max(0, maxRetries)
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.jitter = min(max(jitter, 0), 1)
    }
}
