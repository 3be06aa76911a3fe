import CandorCore
import CandorStore
import Foundation
import Testing

/// Crash safety through the real binary and the bundled model: a `candor audit` killed with
/// SIGKILL mid-run loses nothing and duplicates nothing when resumed, and a campaign whose probes
/// changed after its run started is refused unless `--force` is given.
@Suite("kill, resume and configuration changes (the real binary and the bundled model)", .serialized)
struct KillAndResumeTests {
    static let campaign = """
        name: crash
        description: Small audit of SmolLM2 used to test kills and resumes.
        targets:
          - name: smol
            model: smollm2-135m-instruct
        select: { packs: [china-sensitive], limit_per_pack: 12 }
        decoding: { max_tokens: 40, temperature: 0, seed: 11 }
        concurrency: 1
        timeout: 120
        retries: 0
        policy: default
        """

    /// A scratch Candor root holding copies of the shipped probes and policies and the campaign.
    struct Workspace {
        let root: URL
        var db: String { root.appending(path: "c.sqlite").path }
        var pack: URL { root.appending(path: "probes/china-sensitive.yaml") }

        init() throws {
            root = FileManager.default.temporaryDirectory.appending(path: "candor-kill-\(UUID().uuidString)")
            for folder in ["probes", "policies"] {
                try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: CandorBinary.packageRoot.appending(path: folder), to: root.appending(path: folder))
            }
            try FileManager.default.createDirectory(at: root.appending(path: "audits"), withIntermediateDirectories: true)
            try KillAndResumeTests.campaign.write(to: root.appending(path: "audits/crash.yaml"), atomically: true, encoding: .utf8)
        }

        /// Starts `candor audit crash` and SIGKILLs it once at least `answered` attempts of `run` are committed.
        func startAndKill(run: Int64, after answered: Int) throws {
            let process = Process()
            process.executableURL = try CandorBinary.url
            process.arguments = ["audit", "crash", "--db", db, "--no-summary"]
            process.currentDirectoryURL = root
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline, process.isRunning {
                if FileManager.default.fileExists(atPath: db),
                   let findings = try? CandorStore(url: URL(filePath: db)).findings(run: run),
                   findings.filter({ $0.attempt.state == .answered }).count >= answered { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            try #require(process.isRunning, "the audit ended before it could be killed (a failure, or too little work)")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
        }

        func findings(run: Int64) throws -> [Finding] {
            try CandorStore(url: URL(filePath: db)).findings(run: run)
        }

        /// Changes one probe's text (a new probe version, so a new configuration hash); returns the original file.
        func editPack() throws -> String {
            let original = try String(contentsOf: pack, encoding: .utf8)
            let firstText = try #require(original.range(of: "text: "))
            try original.replacingCharacters(in: firstText, with: "text: (edited) ").write(to: pack, atomically: true, encoding: .utf8)
            return original
        }
    }

    @Test("SIGKILL mid-run, then resume: every planned attempt exactly once, committed answers unchanged")
    func killAndResume() throws {
        let space = try Workspace()
        defer { try? FileManager.default.removeItem(at: space.root) }
        try space.startAndKill(run: 1, after: 3)

        let beforeResume = try space.findings(run: 1)
        #expect(beforeResume.count == 12, "every attempt is stored as pending before anything is sent")
        let committed = beforeResume.filter { $0.attempt.state == .answered }
        #expect(committed.count >= 3)
        #expect(committed.allSatisfy { $0.verdict != nil }, "an answer and its verdict are one commit")

        // Probes edited since the run started: refused, nothing touched.
        let original = try space.editPack()
        let refused = try CandorBinary.run(["audit", "crash", "--db", space.db, "--no-summary"], in: space.root)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("run 1 of crash on smol is unfinished and was started with a different"), "\(refused.stderr)")
        #expect(try space.findings(run: 1) == beforeResume)

        // Restored: the same command resumes run 1 and finishes it.
        try original.write(to: space.pack, atomically: true, encoding: .utf8)
        let resumed = try CandorBinary.run(["audit", "crash", "--db", space.db, "--no-summary"], in: space.root)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming run 1"), "\(resumed.stderr)")
        let after = try space.findings(run: 1)
        #expect(after.count == 12)
        #expect(Set(after.map(\.attempt.key)).count == 12, "no attempt duplicated")
        #expect(after.allSatisfy { $0.attempt.state == .answered })
        for finding in committed {
            let now = try #require(after.first { $0.attempt.key == finding.attempt.key })
            #expect(now.attempt.answer == finding.attempt.answer, "an answer committed before the kill was rewritten")
            #expect(now.attempt.tries == finding.attempt.tries)
        }
        let runs = try CandorStore(url: URL(filePath: space.db)).runs(campaign: "crash")
        #expect(runs.map(\.id) == [1] && runs.first?.status == .completed)
    }

    @Test("--force after a configuration change cancels the unfinished run and starts a new one")
    func forceStartsNewRun() throws {
        let space = try Workspace()
        defer { try? FileManager.default.removeItem(at: space.root) }
        try space.startAndKill(run: 1, after: 1)
        _ = try space.editPack()
        let forced = try CandorBinary.run(["audit", "crash", "--db", space.db, "--no-summary", "--force"], in: space.root)
        #expect(forced.status == 0, "\(forced.stderr)")
        let store = try CandorStore(url: URL(filePath: space.db))
        let runs = try store.runs(campaign: "crash").sorted { $0.id < $1.id }
        #expect(runs.map(\.id) == [1, 2])
        #expect(runs.first?.status == .cancelled)
        #expect(runs.last?.status == .completed)
        #expect(runs.first?.configHash != runs.last?.configHash)
        let edited = try store.findings(run: 2).filter { $0.attempt.renderedPrompt.hasPrefix("(edited) ") }
        #expect(edited.count == 1, "the new run sends the edited probe text")
    }
}
