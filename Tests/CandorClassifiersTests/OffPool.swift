import Foundation

// Long synchronous work (scoring the dev split, MiniLM over thousands of answers, refitting the
// answer model) runs on a Dispatch worker thread, so that it never holds one of the two cooperative
// threads that the timing-sensitive server tests running beside it need.

/// Runs `work` on a Dispatch worker thread and waits for it without holding a cooperative thread.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}
