import ArgumentParser
import CandorCore
import CandorStore
import Foundation

/// `candor export`: attempts with their run and verdict, as JSON Lines or CSV.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export runs, attempts and verdicts as JSON Lines or CSV.",
        discussion: "One line or row per attempt. Runs are read one page at a time, so large stores stream."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl, csv }

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("run"), help: "Only this run (repeatable; default: every run).") var runs: [Int64] = []
    @Option(help: "jsonl or csv.") var format: Format = .jsonl
    @Option(help: "Write here instead of standard output.") var output: String?

    static let columns = [
        "run", "campaign", "target", "model", "model_fingerprint", "pack", "probe", "probe_version", "language", "category", "topic",
        "expect", "mutator", "sample", "state", "prompt", "answer", "reasoning", "error", "tries", "latency_seconds", "label",
        "confidence", "outcome", "policy_version",
    ]

    func run() throws {
        let store = try database.openExisting()
        let selected = runs.isEmpty ? try store.runs(limit: Int.max).reversed() : try runs.map { id in
            guard let run = try store.run(id: id) else { throw CLIError("no run \(id) in \(database.url.path)").exit }
            return run
        }
        var sink = try OutputSink(path: output)
        if format == .csv { sink.write(Self.columns.map(CSV.field).joined(separator: ",") + "\r\n") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let pageSize = 500
        for run in selected {
            var offset = 0
            while true {
                let page = try store.findings(FindingFilter(runID: run.id, limit: pageSize, offset: offset))
                for finding in page {
                    let values = Self.values(run: run, finding: finding)
                    switch format {
                    case .csv:
                        sink.write(Self.columns.map { CSV.field(values[$0] ?? "") }.joined(separator: ",") + "\r\n")
                    case .jsonl:
                        let object = ExportLine(run: run, finding: finding)
                        sink.write(String(decoding: try encoder.encode(object), as: UTF8.self) + "\n")
                    }
                }
                if page.count < pageSize { break }
                offset += pageSize
            }
        }
        sink.close()
    }

    static func values(run: Run, finding: Finding) -> [String: String] {
        let a = finding.attempt, v = finding.verdict
        return [
            "run": String(run.id), "campaign": run.campaign, "target": run.target, "model": run.model.name,
            "model_fingerprint": run.model.fingerprint, "pack": a.probe.pack, "probe": a.probe.probe, "probe_version": a.key.probeVersion,
            "language": finding.probe.language.rawValue, "category": finding.probe.category, "topic": finding.probe.topic,
            "expect": finding.probe.expect.rawValue, "mutator": a.key.mutator, "sample": String(a.key.sample), "state": a.state.rawValue,
            "prompt": a.renderedPrompt, "answer": a.answer ?? "", "reasoning": a.reasoning ?? "", "error": a.error ?? "",
            "tries": String(a.tries), "latency_seconds": a.latencySeconds.map { String($0) } ?? "", "label": v?.label.rawValue ?? "",
            "confidence": v.map { String($0.confidence) } ?? "", "outcome": v?.outcome?.rawValue ?? "", "policy_version": v?.policyVersion ?? "",
        ]
    }

    /// One JSON line: the run, the attempt, the probe and the verdict, as nested objects.
    struct ExportLine: Encodable {
        var run: Run
        var attempt: Attempt
        var probe: Probe
        var verdict: Verdict?
        init(run: Run, finding: Finding) {
            self.run = run
            attempt = finding.attempt
            probe = finding.probe
            verdict = finding.verdict
        }
    }
}

/// RFC 4180 quoting: a field with a comma, quote, CR or LF is quoted, quotes doubled.
enum CSV {
    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Standard output or a file, written incrementally.
struct OutputSink {
    private let handle: FileHandle
    private let ownsHandle: Bool

    init(path: String?) throws {
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil) , let handle = FileHandle(forWritingAtPath: path) else {
                throw CLIError("cannot write \(path)").exit
            }
            self.handle = handle
            ownsHandle = true
        } else {
            handle = .standardOutput
            ownsHandle = false
        }
    }

    mutating func write(_ text: String) { handle.write(Data(text.utf8)) }

    func close() { if ownsHandle { try? handle.close() } }
}
