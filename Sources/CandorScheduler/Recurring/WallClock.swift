import Foundation

/// Calendar time for recurring campaigns: cron slots are wall-clock minutes, not monotonic seconds.
///
/// Injected so tests move time by hand and never sleep.
public protocol WallClock: Sendable {
    func now() -> Date
    /// Returns at or after `date` (or throws `CancellationError` when the task is cancelled).
    func sleep(until date: Date) async throws
}

/// The system's clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until date: Date) async throws {
        let delay = date.timeIntervalSinceNow
        if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
    }
}
