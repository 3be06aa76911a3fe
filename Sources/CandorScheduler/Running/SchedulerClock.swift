/// Time for the runner: a monotonic "now" in seconds and a way to wait until a moment.
///
/// Injected so tests run on virtual time and never sleep.
public protocol SchedulerClock: Sendable {
    /// Seconds on a monotonic scale.
    func now() -> Double
    /// Returns at or after `deadline` (or throws `CancellationError` when the task is cancelled).
    func sleep(until deadline: Double) async throws
}

/// Real time, from `ContinuousClock`.
public struct SystemSchedulerClock: SchedulerClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Double {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    public func sleep(until deadline: Double) async throws {
        let delay = deadline - now()
        if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
    }
}
