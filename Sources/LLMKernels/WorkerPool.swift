import Foundation
import Synchronization

/// Threads that stay alive between parallel loops, so a matrix multiplication hands its parts
/// to workers that are already running instead of waking pooled threads through the kernel.
///
/// Single-token decoding runs about 200 matrix multiplications per token, each a few tens of
/// microseconds; with `DispatchQueue.concurrentPerform` the wake-ups (futex calls, context
/// switches) took most of each token on the development VM (SmolLM2: about 110 tokens/s with
/// Dispatch, 260 with this pool, both with the fused kernels). Here the calling thread runs part 0 and `workers`
/// threads run the others: they spin briefly on a generation counter after each job, then sleep
/// on a condition until the next one, so an idle pool costs nothing.
///
/// One job at a time: a caller that finds the pool busy (another model on another thread) runs
/// its job with `concurrentPerform` instead of waiting.
public final class WorkerPool: @unchecked Sendable {
    // @unchecked Sendable: `job` is written only by the caller holding `busy`, before the
    // generation it belongs to is published (release) and read by workers after they observe
    // that generation (acquire); the caller clears it only after every worker has finished.
    public let workers: Int
    private let generation = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let wake = NSCondition()
    private let job = UnsafeMutablePointer<Job?>.allocate(capacity: 1)

    private struct Job {
        let parts: Int
        let body: @Sendable (Int) -> Void
    }

    /// Checks of a counter (a few nanoseconds each while its cache line is shared) before a
    /// spinning thread starts yielding the processor between checks: tens of microseconds.
    private static let yieldAfter = 20_000
    /// Checks (the last ones each after a `sched_yield`) before an idle worker sleeps: about a
    /// millisecond on an idle machine.
    private static let spinLimit = yieldAfter + 2_000

    /// `CANDOR_POOL=dispatch` sends every job to `concurrentPerform`, so a benchmark can compare
    /// both in the same build.
    static let dispatchOnly = ProcessInfo.processInfo.environment["CANDOR_POOL"] == "dispatch"

    private static let pools = Mutex<[Int: WorkerPool]>([:])

    /// The pool for loops split `threads` ways (`threads − 1` workers), created on first use and
    /// kept for the life of the process.
    public static func shared(threads: Int) -> WorkerPool {
        pools.withLock { pools in
            if let pool = pools[threads] { return pool }
            let pool = WorkerPool(workers: max(0, threads - 1))
            pools[threads] = pool
            return pool
        }
    }

    private init(workers: Int) {
        self.workers = workers
        job.initialize(to: nil)
        guard workers > 0 else { return }
        for index in 1...workers {
            let thread = Thread { [unowned self] in self.workerLoop(index) }
            thread.name = "candor-kernel-\(index)"
            thread.start()
        }
    }

    /// Runs `body(0) … body(parts − 1)`, part 0 on the calling thread, and returns when all are done.
    /// `parts` must not exceed `workers + 1`.
    public func run(parts: Int, _ body: @escaping @Sendable (Int) -> Void) {
        precondition(parts <= workers + 1, "a job of \(parts) parts for a pool of \(workers) workers")
        guard parts > 1 else { body(0); return }
        if Self.dispatchOnly { DispatchQueue.concurrentPerform(iterations: parts, execute: body); return }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            DispatchQueue.concurrentPerform(iterations: parts, execute: body)
            return
        }
        job.pointee = Job(parts: parts, body: body)
        finished.store(0, ordering: .relaxed)
        generation.add(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            wake.lock()
            wake.broadcast()
            wake.unlock()
        }
        body(0)
        // A worker descheduled by a busy machine would leave this thread spinning through its
        // time slice: after a while, give the processor away between checks.
        var spins = 0
        while finished.load(ordering: .acquiring) < workers {
            spins += 1
            if spins > Self.yieldAfter { sched_yield() }
        }
        job.pointee = nil
        busy.store(false, ordering: .releasing)
    }

    private func workerLoop(_ index: Int) {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < Self.spinLimit {
                    if spins > Self.yieldAfter { sched_yield() }
                    continue
                }
                wake.lock()
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                sleepers.subtract(1, ordering: .relaxed)
                wake.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            if let job = job.pointee, index < job.parts { job.body(index) }
            finished.add(1, ordering: .releasing)
        }
    }
}
