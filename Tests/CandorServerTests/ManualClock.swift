import CandorScheduler
import Foundation

/// A wall clock that moves only when a test says so.
///
/// `@unchecked Sendable` is safe: the only state, `current`, is read and written under `lock`.
final class ManualClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func set(_ date: Date) {
        lock.lock()
        defer { lock.unlock() }
        current = date
    }

    /// Tests drive the scheduler with `tick()`; a sleeping scheduler loop just stops.
    func sleep(until date: Date) async throws { throw CancellationError() }
}
