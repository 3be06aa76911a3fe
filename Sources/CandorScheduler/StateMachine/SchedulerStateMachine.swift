import CandorCore

/// What the runner should do next.
public enum SchedulerAction<Key: Hashable & Sendable>: Sendable, Equatable {
    /// Send the attempt; `try` is 1 for the first try.
    case send(Key, try: Int)
    /// Nothing can start now; call ``SchedulerStateMachine/nextActions(now:)`` again at this time
    /// (or sooner, when an attempt completes).
    case wakeUp(at: Double)
    /// The attempt failed for good: a non-retryable error, or retries exhausted.
    case giveUp(Key, error: TargetError, tries: Int)
    /// Every attempt is answered or failed (or, after cancel, nothing is in flight).
    case finished
}

/// The scheduling logic of one run against one target, as a pure value.
///
/// It decides which attempts to send and when: at most `concurrency` in flight, starts spaced by
/// a token bucket, retryable failures retried with exponential backoff and jitter (never sooner
/// than a server's Retry-After), non-retryable ones given up at once. Time is passed in as
/// seconds on a monotonic scale; the machine never reads a clock or sleeps, so every decision is
/// testable without waiting.
public struct SchedulerStateMachine<Key: Hashable & Sendable>: Sendable {
    public let policy: SchedulerPolicy

    private var ready: [(key: Key, tries: Int)]
    private var readyHead = 0
    private var retrying: [(due: Double, key: Key, tries: Int)] = []
    private var inFlight: [Key: Int] = [:]
    private var bucket: TokenBucket?
    private var backoff: Backoff
    private var cancelled = false

    public private(set) var answered = 0
    public private(set) var failed = 0
    /// Retries scheduled so far (for progress display).
    public private(set) var retries = 0
    public let total: Int

    /// - Parameters:
    ///   - keys: attempts to send, in order.
    ///   - jitterSeed: seeds the backoff jitter, so a schedule is reproducible.
    public init(keys: [Key], policy: SchedulerPolicy, jitterSeed: UInt64 = 0) {
        self.policy = policy
        self.ready = keys.map { ($0, 0) }
        self.total = keys.count
        self.bucket = policy.ratePerSecond.map { TokenBucket(rate: $0, capacity: policy.burst) }
        self.backoff = Backoff(base: policy.baseBackoff, maximum: policy.maxBackoff, jitter: policy.jitter, seed: jitterSeed)
    }

    public var inFlightCount: Int { inFlight.count }
    public var waitingCount: Int { ready.count - readyHead + retrying.count }
    public var isFinished: Bool { inFlight.isEmpty && (cancelled || waitingCount == 0) }

    /// The actions possible at `now`: sends (within the concurrency and rate limits), then either
    /// a wake-up time or `finished`.
    public mutating func nextActions(now: Double) -> [SchedulerAction<Key>] {
        if isFinished { return [.finished] }
        if cancelled { return [] }
        promoteDueRetries(now: now)
        var actions: [SchedulerAction<Key>] = []
        while inFlight.count < policy.concurrency, readyHead < ready.count {
            if bucket != nil, !bucket!.take(now: now) { break }
            let next = ready[readyHead]
            readyHead += 1
            inFlight[next.key] = next.tries + 1
            actions.append(.send(next.key, try: next.tries + 1))
        }
        compactReady()
        if isFinished { return actions + [.finished] }
        var wake: Double?
        if readyHead < ready.count, inFlight.count < policy.concurrency, bucket != nil {
            wake = bucket!.nextAvailable(now: now)
        }
        if let due = retrying.map(\.due).min() {
            wake = min(wake ?? due, due)
        }
        if let wake { actions.append(.wakeUp(at: wake)) }
        return actions
    }

    /// The attempt was answered.
    public mutating func succeeded(_ key: Key) {
        guard inFlight.removeValue(forKey: key) != nil else { return }
        answered += 1
    }

    /// The attempt failed at `now`. Returns `.giveUp` when it will not be retried; otherwise the
    /// retry is scheduled and `nil` is returned.
    public mutating func failed(_ key: Key, error: TargetError, now: Double) -> SchedulerAction<Key>? {
        guard let tries = inFlight.removeValue(forKey: key) else { return nil }
        if error.isRetryable, tries <= policy.maxRetries, !cancelled {
            let delay = max(backoff.delay(beforeRetry: tries), error.retryAfter ?? 0)
            retrying.append((now + delay, key, tries))
            retries += 1
            return nil
        }
        failed += 1
        return .giveUp(key, error: error, tries: tries)
    }

    /// Forgets an in-flight attempt without counting it (it was cancelled and stays pending).
    public mutating func abandon(_ key: Key) {
        inFlight.removeValue(forKey: key)
    }

    /// Stop starting attempts. In-flight ones may still report; waiting ones stay unsent (pending
    /// in the store, for a later resume).
    public mutating func cancel() {
        cancelled = true
    }

    private mutating func promoteDueRetries(now: Double) {
        guard !retrying.isEmpty else { return }
        let due = retrying.filter { $0.due <= now }.sorted { $0.due < $1.due }
        guard !due.isEmpty else { return }
        retrying.removeAll { $0.due <= now }
        // Retries go to the front: they have waited longest.
        compactReady()
        ready.insert(contentsOf: due.map { ($0.key, $0.tries) }, at: readyHead)
    }

    private mutating func compactReady() {
        if readyHead > 1024, readyHead * 2 > ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
    }
}
