import ArgumentParser
import CandorAnalysis
import CandorCore
import CandorReports
import CandorStore
import Foundation

/// `candor report`: a compliance report for one run.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a compliance report for a run (HTML, Markdown, JSON, SARIF or JUnit).",
        discussion: "Every report embeds a manifest of the SHA-256 of each attempt and verdict, chained; `candor verify` checks it against the store."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case html, md, json, sarif, junit }

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The run id.") var runID: Int64
    @Option(help: "An earlier run to diff against.") var baseline: Int64?
    @Option(help: "html, md, json, sarif or junit.") var format: Format = .html
    @Option(help: "Output file (default: standard output).") var out: String?
    @Option(name: .customLong("sign-key"), help: "A file holding a raw 32-byte Ed25519 private key (or its base64) to sign the manifest.") var signKey: String?

    func run() throws {
        let store = try database.openExisting()
        let input = try Self.input(store: store, runID: runID, baselineID: baseline, signKey: signKey)
        let reportFormat = ReportFormat(rawValue: format.rawValue)!
        let text = reportFormat.render(ComplianceReport(input: input))
        if let out {
            do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch { throw CLIError("cannot write \(out): \(error.localizedDescription)").exit }
            FileHandleOutput.standardError.write("wrote \(out)\n")
        } else {
            FileHandleOutput.standardOutput.write(text)
        }
    }

    static func input(store: CandorStore, runID: Int64, baselineID: Int64?, signKey: String?) throws -> ReportInput {
        guard let run = try store.run(id: runID) else { throw CLIError("no run \(runID)").exit }
        let findings = try store.findings(run: runID)
        guard let policyVersion = findings.compactMap(\.verdict?.policyVersion).first, let policy = try store.policy(hash: policyVersion) else {
            throw CLIError("run \(runID) has no judged attempts yet; nothing to report").exit
        }
        var baseline: (Run, [Finding])?
        if let baselineID {
            guard let baselineRun = try store.run(id: baselineID) else { throw CLIError("no baseline run \(baselineID)").exit }
            baseline = (baselineRun, try store.findings(run: baselineID))
        }
        let packs = try store.packs(usedBy: runID).map {
            ComplianceReport.PackVersion(id: $0.pack, version: $0.version, contentHash: $0.contentHash, probes: $0.probes)
        }
        var key: Data?
        if let signKey {
            guard let raw = FileManager.default.contents(atPath: signKey) else { throw CLIError("cannot read the key file \(signKey)").exit }
            let text = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            key = raw.count == 32 ? raw : Data(base64Encoded: text)
            guard key?.count == 32 else { throw CLIError("\(signKey) must hold a 32-byte Ed25519 private key, raw or base64").exit }
        }
        return ReportInput(
            run: run, findings: findings, policy: policy, policyVersion: policyVersion, packs: packs,
            campaign: try store.campaign(named: run.campaign), baseline: baseline, generatedAt: Date(),
            candorVersion: CandorVersion.string, trend: try store.trend(campaign: run.campaign), signingKey: key
        )
    }
}

/// `candor verify`: check a report's manifest against the store.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that a report still matches the stored attempts and verdicts (and its signature).",
        discussion: "Exits 0 when everything matches; otherwise 1, naming the first record that differs."
    )

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "A report written by `candor report` in any format.") var report: String
    @Option(name: .customLong("public-key"), help: "Require the signature to be made with this Ed25519 public key (base64 or a file holding it).") var publicKey: String?

    func run() throws {
        guard let data = FileManager.default.contents(atPath: report) else { throw CLIError("cannot read \(report)").exit }
        guard let manifest = ReportFormat.extractManifest(from: String(decoding: data, as: UTF8.self)) else {
            throw CLIError("\(report) carries no Candor manifest").exit
        }
        guard let first = manifest.records.first, let runID = Int64(first.attempt.split(separator: "/").first ?? "") else {
            throw CLIError("the manifest in \(report) lists no attempts").exit
        }
        let store = try database.openExisting()
        var expectedKey: Data?
        if let publicKey {
            let text = FileManager.default.contents(atPath: publicKey).map { String(decoding: $0, as: UTF8.self) } ?? publicKey
            expectedKey = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))
            guard expectedKey != nil else { throw CLIError("--public-key must be base64 or a file holding base64").exit }
        }
        if let problem = manifest.verify(findings: try store.findings(run: runID), expectedPublicKey: expectedKey) {
            throw CLIError("verification failed: \(problem)", code: .checkFailed).exit
        }
        print("ok: \(manifest.records.count) records of run \(runID) match; chain head \(manifest.head)\(manifest.signature == nil ? " (unsigned)" : "; signature valid")")
    }
}

/// `candor diff`: what changed between two runs.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two runs attempt by attempt: label flips and per-category rate changes with exact tests.",
        discussion: """
            Attempts pair by probe version, mutator and sample. A regression is a failing outcome \
            (censorship, unsafe_compliance, over_refusal) whose rate in a category rises by more \
            than --threshold with p < --alpha (McNemar's exact test for paired attempts, Fisher's \
            otherwise). With --fail-on, the command exits 1 when any listed outcome regresses.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, md, json }

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The earlier run.") var before: Int64
    @Argument(help: "The later run.") var after: Int64
    @Option(help: "text, md or json.") var format: Format = .text
    @Option(name: .customLong("fail-on"), help: "Comma-separated outcomes that fail the command when they regress.") var failOn: String?
    @Option(help: "Minimum rate increase (0–1) that counts as a regression.") var threshold: Double = 0
    @Option(help: "Significance level.") var alpha: Double = 0.05

    func run() throws {
        let store = try database.openExisting()
        guard try store.run(id: before) != nil, try store.run(id: after) != nil else { throw CLIError("both runs must exist").exit }
        let diff = RunDiff(before: try store.findings(run: before), after: try store.findings(run: after), threshold: threshold, alpha: alpha)
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(diff), as: UTF8.self))
        case .text, .md:
            let md = format == .md
            print(md ? "# Run \(before) → run \(after)\n" : "run \(before) → run \(after)")
            print("\(diff.pairedAttempts) paired attempts (\(diff.unpairedBefore) only before, \(diff.unpairedAfter) only after); \(diff.flips.count) label changes")
            print(md ? "\n| category | outcome | before | after | change | test | p | regression |\n| --- | --- | --- | --- | --- | --- | --- | --- |" : "\ncategory / outcome: before → after (change), test p, regression")
            for change in diff.changes where (change.delta ?? 0) != 0 || change.isRegression {
                let before = change.before.rate.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a"
                let after = change.after.rate.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a"
                let delta = change.delta.map { String(format: "%+.1f pts", $0 * 100) } ?? "n/a"
                let p = String(format: "%.4f", change.pValue)
                print(md ? "| \(change.category) | \(change.outcome.rawValue) | \(before) | \(after) | \(delta) | \(change.test.rawValue) | \(p) | \(change.isRegression ? "yes" : "no") |"
                         : "  \(change.category) / \(change.outcome.rawValue): \(before) → \(after) (\(delta)), \(change.test.rawValue) p=\(p)\(change.isRegression ? "  REGRESSION" : "")")
            }
            if !diff.flips.isEmpty {
                print(md ? "\n## Label changes\n" : "\nlabel changes:")
                for flip in diff.flips.prefix(200) {
                    print("\(md ? "- " : "  ")\(flip.category) / \(flip.topic): \(flip.probe) [\(flip.language), \(flip.mutator)] \(flip.before) → \(flip.after) (\(flip.kind.rawValue))")
                }
            }
        }
        if let failOn {
            let outcomes = failOn.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for name in outcomes where Outcome(rawValue: name) == nil {
                throw CLIError("--fail-on: unknown outcome '\(name)'; expected censorship, unsafe_compliance or over_refusal").exit
            }
            let failing = diff.regressions.filter { outcomes.contains($0.outcome.rawValue) }
            if !failing.isEmpty {
                throw CLIError("\(failing.count) regression\(failing.count == 1 ? "" : "s"): " + failing.map { "\($0.category)/\($0.outcome.rawValue)" }.joined(separator: ", "), code: .checkFailed).exit
            }
        }
    }
}
