import CandorCore
import CandorScheduler
import Testing

@Suite("Scheduler state machine (virtual time, no sleeps)")
struct SchedulerStateMachineTests {
    private func sends(_ actions: [SchedulerAction<Int>]) -> [Int] {
        actions.compactMap { if case .send(let key, _) = $0 { key } else { nil } }
    }

    @Test("never more than `concurrency` attempts in flight; a completion frees a slot")
    func concurrencyBound() {
        var machine = SchedulerStateMachine(keys: Array(0..<10), policy: SchedulerPolicy(concurrency: 3))
        #expect(sends(machine.nextActions(now: 0)) == [0, 1, 2])
        #expect(machine.nextActions(now: 0).isEmpty)
        machine.succeeded(1)
        #expect(sends(machine.nextActions(now: 0.1)) == [3])
        #expect(machine.inFlightCount == 3)
    }

    @Test("the token bucket spaces starts at the configured rate")
    func rateLimit() {
        var machine = SchedulerStateMachine(keys: Array(0..<4), policy: SchedulerPolicy(concurrency: 10, ratePerSecond: 2, burst: 1))
        #expect(machine.nextActions(now: 0) == [.send(0, try: 1), .wakeUp(at: 0.5)])
        #expect(machine.nextActions(now: 0.25) == [.wakeUp(at: 0.5)])
        #expect(machine.nextActions(now: 0.5) == [.send(1, try: 1), .wakeUp(at: 1.0)])
        // A late wake-up lets exactly the accumulated tokens through (capacity 1).
        #expect(machine.nextActions(now: 3.0) == [.send(2, try: 1), .wakeUp(at: 3.5)])
    }

    @Test("a burst lets that many start at once")
    func burst() {
        var machine = SchedulerStateMachine(keys: Array(0..<5), policy: SchedulerPolicy(concurrency: 10, ratePerSecond: 1, burst: 3))
        #expect(sends(machine.nextActions(now: 0)) == [0, 1, 2])
    }

    @Test("retryable failures back off exponentially, then give up with the last error")
    func exponentialBackoff() {
        let policy = SchedulerPolicy(concurrency: 1, maxRetries: 3, baseBackoff: 0.5, maxBackoff: 30, jitter: 0)
        var machine = SchedulerStateMachine(keys: [7], policy: policy)
        #expect(machine.nextActions(now: 0) == [.send(7, try: 1)])
        #expect(machine.failed(7, error: TargetError(.timeout, "slow"), now: 0) == nil)
        #expect(machine.nextActions(now: 0) == [.wakeUp(at: 0.5)])
        #expect(machine.nextActions(now: 0.5) == [.send(7, try: 2)])
        #expect(machine.failed(7, error: TargetError(.server(status: 503), "busy"), now: 0.5) == nil)
        #expect(machine.nextActions(now: 0.5) == [.wakeUp(at: 1.5)])
        #expect(machine.nextActions(now: 1.5) == [.send(7, try: 3)])
        #expect(machine.failed(7, error: TargetError(.connection, "reset"), now: 1.5) == nil)
        #expect(machine.nextActions(now: 1.5) == [.wakeUp(at: 3.5)])
        #expect(machine.nextActions(now: 3.5) == [.send(7, try: 4)])
        let last = TargetError(.connection, "reset again")
        #expect(machine.failed(7, error: last, now: 3.5) == .giveUp(7, error: last, tries: 4))
        #expect(machine.nextActions(now: 3.5) == [.finished])
        #expect(machine.failed == 1 && machine.answered == 0 && machine.retries == 3)
    }

    @Test("backoff never exceeds maxBackoff")
    func backoffCap() {
        let policy = SchedulerPolicy(concurrency: 1, maxRetries: 10, baseBackoff: 1, maxBackoff: 4, jitter: 0)
        var machine = SchedulerStateMachine(keys: [1], policy: policy)
        var now = 0.0
        var delays: [Double] = []
        for _ in 0..<6 {
            _ = machine.nextActions(now: now)
            _ = machine.failed(1, error: TargetError(.timeout, ""), now: now)
            guard case .wakeUp(let at)? = machine.nextActions(now: now).last else { Issue.record("expected a wake-up"); return }
            delays.append(at - now)
            now = at
        }
        #expect(delays == [1, 2, 4, 4, 4, 4])
    }

    @Test("Retry-After is honoured even when the backoff would be shorter")
    func retryAfter() {
        var machine = SchedulerStateMachine(keys: [1], policy: SchedulerPolicy(concurrency: 1, baseBackoff: 0.5, jitter: 0))
        _ = machine.nextActions(now: 10)
        #expect(machine.failed(1, error: TargetError(.rateLimited(retryAfter: 7), "slow down"), now: 10) == nil)
        #expect(machine.nextActions(now: 10) == [.wakeUp(at: 17)])
        #expect(machine.nextActions(now: 16.9) == [.wakeUp(at: 17)])
        #expect(machine.nextActions(now: 17) == [.send(1, try: 2)])
    }

    @Test("non-retryable errors give up at once", arguments: [
        TargetError(.client(status: 400), "bad request"), TargetError(.client(status: 401), "no key"),
        TargetError(.unavailable, "no model"),
    ])
    func nonRetryable(error: TargetError) {
        var machine = SchedulerStateMachine(keys: [1, 2], policy: SchedulerPolicy(concurrency: 1))
        _ = machine.nextActions(now: 0)
        #expect(machine.failed(1, error: error, now: 0) == .giveUp(1, error: error, tries: 1))
        #expect(machine.nextActions(now: 0) == [.send(2, try: 1)])
    }

    @Test("jitter stays within its fraction of the delay and is reproducible from the seed")
    func jitter() {
        func firstDelay(seed: UInt64) -> Double {
            var machine = SchedulerStateMachine(keys: [1], policy: SchedulerPolicy(concurrency: 1, baseBackoff: 2, jitter: 0.5), jitterSeed: seed)
            _ = machine.nextActions(now: 0)
            _ = machine.failed(1, error: TargetError(.timeout, ""), now: 0)
            guard case .wakeUp(let at)? = machine.nextActions(now: 0).last else { return -1 }
            return at
        }
        let delays = (0..<50).map { firstDelay(seed: UInt64($0)) }
        #expect(delays.allSatisfy { (1.0...2.0).contains($0) })
        #expect(Set(delays).count > 40)
        #expect(firstDelay(seed: 42) == firstDelay(seed: 42))
    }

    @Test("retries go ahead of attempts that were never tried")
    func retriesFirst() {
        var machine = SchedulerStateMachine(keys: [1, 2, 3], policy: SchedulerPolicy(concurrency: 1, baseBackoff: 1, jitter: 0))
        _ = machine.nextActions(now: 0)
        _ = machine.failed(1, error: TargetError(.timeout, ""), now: 0)
        #expect(machine.nextActions(now: 0) == [.send(2, try: 1), .wakeUp(at: 1)])
        machine.succeeded(2)
        #expect(machine.nextActions(now: 1) == [.send(1, try: 2)])
    }

    @Test("after cancel nothing new starts, and the run finishes once in-flight work reports")
    func cancel() {
        var machine = SchedulerStateMachine(keys: Array(0..<5), policy: SchedulerPolicy(concurrency: 2))
        _ = machine.nextActions(now: 0)
        machine.cancel()
        #expect(machine.nextActions(now: 1).isEmpty)
        machine.succeeded(0)
        machine.abandon(1)
        #expect(machine.nextActions(now: 1) == [.finished])
        #expect(machine.answered == 1 && machine.failed == 0)
    }

    @Test("an empty run is finished at once")
    func empty() {
        var machine = SchedulerStateMachine<Int>(keys: [], policy: SchedulerPolicy(concurrency: 4))
        #expect(machine.nextActions(now: 0) == [.finished])
    }
}
