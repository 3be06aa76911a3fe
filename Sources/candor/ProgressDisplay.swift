import CandorAudit
import CandorCore
import CandorScheduler
import Foundation
import Synchronization

/// Shows a run's progress: one rewritten line on a terminal, plain log lines otherwise.
final class ProgressDisplay: Sendable {
    let label: String
    let isTerminal = isatty(STDERR_FILENO) != 0
    private let lastPrinted = Mutex<Double>(-1)

    init(label: String) { self.label = label }

    func update(_ progress: RunProgress) {
        let eta = progress.estimatedRemaining.map { String(format: "%.0fs", $0) } ?? "?"
        let line = String(format: "%@: %d/%d done (%d answered, %d failed, %d retries), %.2f/s, ETA %@",
                          label, progress.done, progress.total, progress.answered, progress.failed, progress.retries, progress.rate, eta)
        if isTerminal {
            FileHandleOutput.standardError.write("\r\u{1B}[2K" + line)
        } else {
            let shouldPrint = lastPrinted.withLock { last in
                guard progress.done == progress.total || progress.elapsed - last >= 10 else { return false }
                last = progress.elapsed
                return true
            }
            if shouldPrint { FileHandleOutput.standardError.write(line + "\n") }
        }
    }

    func finish() {
        if isTerminal { FileHandleOutput.standardError.write("\n") }
    }
}

/// One ``ProgressDisplay`` per run of an audit session, fed by its events.
final class ProgressDisplays: Sendable {
    private let current = Mutex<ProgressDisplay?>(nil)

    func handle(_ event: AuditEvent) {
        switch event {
        case .runStarted(let run, let resumed, let pending):
            if resumed { FileHandleOutput.standardError.write("resuming run \(run.id) (\(run.campaign) on \(run.target)): \(pending) attempts left\n") }
            current.withLock { $0 = ProgressDisplay(label: "run \(run.id) \(run.target)") }
        case .progress(_, let progress):
            current.withLock { $0 }?.update(progress)
        case .runFinished:
            finish()
        }
    }

    func finish() {
        current.withLock { display in
            display?.finish()
            display = nil
        }
    }
}
