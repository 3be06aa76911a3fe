import Foundation
import LLMKernels
import Synchronization
import Testing

private final class Counter: Sendable {
    let value = Atomic<Int>(0)
    func add() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}

@Suite("Worker pool")
struct WorkerPoolTests {
    @Test("every part of every job runs exactly once, and run returns only after all of them")
    func partsRunOnce() {
        let pool = WorkerPool.shared(threads: 3)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 3)
        defer { counts.deallocate() }
        let address = UInt(bitPattern: counts)
        for job in 0..<2_000 {
            counts.initialize(repeating: 0, count: 3)
            let parts = 1 + job % 3
            pool.run(parts: parts) { part in
                // Each part owns its own slot; a slow part checks that run waits for it.
                if part == parts - 1 && job % 100 == 0 { usleep(2_000) }
                UnsafeMutablePointer<Int>(bitPattern: address)![part] += 1
            }
            for part in 0..<3 { #expect(counts[part] == (part < parts ? 1 : 0), "job \(job) part \(part)") }
        }
    }

    @Test("jobs from several threads at once all complete (a busy pool falls back to Dispatch)")
    func concurrentCallers() async {
        let pool = WorkerPool.shared(threads: 2)
        let total = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<500 { pool.run(parts: 2) { _ in total.add() } }
                }
            }
        }
        #expect(total.count == 4 * 500 * 2)
    }

    @Test("an idle pool's workers go to sleep and wake for the next job")
    func wakesAfterSleeping() {
        let pool = WorkerPool.shared(threads: 2)
        let seen = Counter()
        pool.run(parts: 2) { _ in seen.add() }
        usleep(50_000)  // far past the spinning phase: the worker is waiting on its condition
        pool.run(parts: 2) { _ in seen.add() }
        #expect(seen.count == 4)
    }
}
