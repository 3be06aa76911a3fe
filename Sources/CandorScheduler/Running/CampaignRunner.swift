import CandorCore

/// Performs a run: sends planned attempts to a target as the state machine decides, records
/// every answer (with its verdict) or final failure through the ledger, and reports progress.
///
/// The runner owns no scheduling logic of its own; it turns ``SchedulerAction``s into work.
/// Cancelling the task that calls ``run(_:)`` stops it cleanly: nothing new starts, in-flight
/// requests are cancelled, and every attempt not recorded stays pending for a resume.
public actor CampaignRunner {
    private let target: any AuditTarget
    private let ledger: any AttemptLedger
    private let judge: (any AnswerJudge)?
    private let policy: SchedulerPolicy
    private let clock: any SchedulerClock
    private let jitterSeed: UInt64
    private let onProgress: @Sendable (RunProgress) -> Void

    public init(
        target: any AuditTarget, ledger: any AttemptLedger, judge: (any AnswerJudge)?, policy: SchedulerPolicy,
        clock: any SchedulerClock = SystemSchedulerClock(), jitterSeed: UInt64 = 0,
        onProgress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) {
        self.target = target
        self.ledger = ledger
        self.judge = judge
        self.policy = policy
        self.clock = clock
        self.jitterSeed = jitterSeed
        self.onProgress = onProgress
    }

    /// How a run ended.
    public struct Summary: Sendable, Hashable {
        public var answered: Int
        public var failed: Int
        /// Attempts left pending because the run was cancelled.
        public var unsent: Int
        public var cancelled: Bool

        public init(answered: Int, failed: Int, unsent: Int, cancelled: Bool) {
            self.answered = answered
            self.failed = failed
            self.unsent = unsent
            self.cancelled = cancelled
        }
    }

    private enum Event: Sendable {
        /// An answer, already judged in the attempt's own task (concurrently with others).
        case answered(PlannedAttempt, TargetResponse, latency: Double, verdict: Verdict?, tries: Int)
        case failed(PlannedAttempt, TargetError)
        case timer
    }

    // State of the current `run`; the actor runs one at a time.
    private var machine = SchedulerStateMachine<AttemptKey>(keys: [], policy: SchedulerPolicy(concurrency: 1))
    private var cancelled = false
    private var startedAt: Double = 0

    private var progress: RunProgress {
        RunProgress(
            total: machine.total, answered: machine.answered, failed: machine.failed,
            inFlight: machine.inFlightCount, retries: machine.retries, elapsed: clock.now() - startedAt
        )
    }

    /// Runs `attempts` (the run's pending attempts) to completion or cancellation.
    /// - Throws: only errors from the ledger (the store), after which the run should be resumed.
    public func run(_ attempts: [PlannedAttempt]) async throws -> Summary {
        var byKey: [AttemptKey: PlannedAttempt] = [:]
        for attempt in attempts { byKey[attempt.key] = attempt }
        machine = SchedulerStateMachine(keys: attempts.map(\.key), policy: policy, jitterSeed: jitterSeed)
        startedAt = clock.now()
        cancelled = false
        let target = self.target
        let clock = self.clock

        try await withThrowingTaskGroup(of: Event.self) { group in
            var timerAt: Double?
            while true {
                if Task.isCancelled, !cancelled {
                    cancelled = true
                    machine.cancel()
                    group.cancelAll()
                }
                let actions = machine.nextActions(now: clock.now())
                var finished = false
                for action in actions {
                    switch action {
                    case .send(let key, let attemptTry):
                        guard let attempt = byKey[key] else { continue }
                        let judge = self.judge
                        group.addTask {
                            let sentAt = clock.now()
                            let response: TargetResponse
                            do throws(TargetError) {
                                response = try await target.send(attempt.request)
                            } catch {
                                return .failed(attempt, error)
                            }
                            // Judged here, so classifying one answer never holds up the others;
                            // the commit stays in the runner, one writer at a time.
                            let latency = clock.now() - sentAt
                            let verdict = await judge?.verdict(for: attempt, response: response)
                            return .answered(attempt, response, latency: latency, verdict: verdict, tries: attemptTry)
                        }
                    case .wakeUp(let at):
                        if timerAt == nil || at < timerAt! {
                            timerAt = at
                            group.addTask {
                                try? await clock.sleep(until: at)
                                return .timer
                            }
                        }
                    case .giveUp(let key, let error, let count):
                        if let attempt = byKey[key] { try await ledger.recordFailure(attempt, error: error, tries: count) }
                    case .finished:
                        finished = true
                    }
                }
                onProgress(progress)
                if finished { break }
                guard let event = try await group.next() else { break }
                switch event {
                case .timer:
                    if let at = timerAt, clock.now() >= at { timerAt = nil }
                case .answered(let attempt, let response, let latency, let verdict, let tries):
                    try await ledger.recordAnswer(attempt, response: response, latencySeconds: latency, tries: tries, verdict: verdict)
                    machine.succeeded(attempt.key)
                case .failed(let attempt, let error):
                    if error.kind == .cancelled || cancelled {
                        // Not recorded: the attempt stays pending and a resume sends it again.
                        machine.cancel()
                        machine.abandon(attempt.key)
                        continue
                    }
                    if case .giveUp(_, let finalError, let count)? = machine.failed(attempt.key, error: error, now: clock.now()) {
                        try await ledger.recordFailure(attempt, error: finalError, tries: count)
                    }
                }
            }
            group.cancelAll()
        }
        let unsent = machine.total - machine.answered - machine.failed
        return Summary(answered: machine.answered, failed: machine.failed, unsent: unsent, cancelled: cancelled)
    }
}
