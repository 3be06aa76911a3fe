// bench-campaign: campaign throughput and scheduler/store overhead (run via `bench/campaign`).
//
// 1. A local OpenAI-compatible endpoint answering after a fixed 50 ms: ~2,000 attempts at
//    concurrency 64 through the real audit path (plan, SQLite store, scheduler, HTTP, verdicts),
//    printed as a ratio to the ideal attempts × 50 ms / 64.
// 2. The same endpoint with no delay: wall time per attempt, an upper bound on the
//    scheduler + store + classifier overhead (it includes HTTP on loopback).
// 3. The bundled SmolLM2 model in-process: attempts/minute one prompt at a time (concurrency 1)
//    vs batched (concurrency 8, one forward pass per step over the batch).
import CandorAudit
import CandorCore
import CandorStore
import Foundation
import LLMServer
import Logging
import Synchronization

/// Answers every request after a fixed delay with a fixed, plausible answer.
struct FixedLatencyEngine: ChatEngine {
    let modelID = "fixed-latency"
    let delay: Duration

    func complete(messages: [ChatMessage], options: ChatOptions, onText: @escaping @Sendable (String) -> Bool) async throws -> ChatCompletionResult {
        if delay > .zero { try await Task.sleep(for: delay) }
        let text = "In 1970 the Ohio National Guard fired on students at Kent State University, killing four and wounding nine."
        _ = onText(text)
        return ChatCompletionResult(text: text, promptTokens: 20, completionTokens: 24, finishReason: "stop")
    }
}

/// A scratch Candor root: the repository's probes and policies plus one campaign.
func makeRoot(campaign: String) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appending(path: "candor-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root.appending(path: "audits"), withIntermediateDirectories: true)
    for folder in ["probes", "policies"] {
        try FileManager.default.copyItem(at: URL(filePath: folder), to: root.appending(path: folder))
    }
    try campaign.write(to: root.appending(path: "audits/bench.yaml"), atomically: true, encoding: .utf8)
    return root
}

/// Runs the campaign in `root` on a fresh store; returns (attempts, seconds).
func audit(root: URL) async throws -> (attempts: Int, seconds: Double) {
    let store = try CandorStore(url: root.appending(path: "bench.sqlite"))
    let session = try AuditSession.prepare(campaignURL: root.appending(path: "audits/bench.yaml"), store: store, candorVersion: "bench")
    let start = ContinuousClock.now
    let sending = Mutex<ContinuousClock.Instant?>(nil)
    let runs = try await session.run(force: false) { event in
        if case .runStarted = event { sending.withLock { $0 = ContinuousClock.now } }
    }
    let seconds = (ContinuousClock.now - start).seconds
    if let began = sending.withLock({ $0 }) {
        print("  (setup before sending: \(format((began - start).seconds, 3)) s; sending and classifying: \(format((ContinuousClock.now - began).seconds, 3)) s)")
    }
    let attempts = try runs.reduce(0) { $0 + (try store.findings(run: $1.id)).filter { $0.attempt.state == .answered }.count }
    return (attempts, seconds)
}

/// Serves a fixed-latency endpoint in this process until killed, printing its port first
/// (`bench-campaign --serve-endpoint MILLISECONDS`).
func serveEndpoint(milliseconds: Int) async throws {
    var quiet = Logger(label: "bench-endpoint")
    quiet.logLevel = .critical
    let server = ModelServer(engine: FixedLatencyEngine(delay: .milliseconds(milliseconds)), port: 0, logger: quiet)
    try await server.run { port in FileHandle.standardOutput.write(Data("\(port)\n".utf8)) }
}

/// Starts a fixed-latency endpoint in a child process (so its CPU time is not charged to the
/// audit, as with a real remote endpoint); returns its base URL and the process.
func startEndpoint(delay milliseconds: Int) throws -> (String, Process) {
    let process = Process()
    process.executableURL = URL(filePath: "/proc/self/exe").resolvingSymlinksInPath()
    process.arguments = ["--serve-endpoint", String(milliseconds)]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    var text = ""
    while !text.contains("\n") {
        let chunk = output.fileHandleForReading.availableData
        guard !chunk.isEmpty else { throw CancellationError() }
        text += String(decoding: chunk, as: UTF8.self)
    }
    guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw CancellationError() }
    return ("http://127.0.0.1:\(port)/v1", process)
}

func endpointCampaign(baseURL: String) -> String {
    // china-sensitive + china-controls = 288 probes × 7 samples = 2,016 attempts.
    """
    name: bench
    description: Throughput benchmark against a fixed-latency endpoint.
    targets:
      - name: endpoint
        openai: { base_url: "\(baseURL)", model: fixed-latency }
    select: { packs: [china-sensitive, china-controls] }
    samples: 7
    decoding: { max_tokens: 32, temperature: 0.7, top_p: 1, seed: 5 }
    concurrency: 64
    timeout: 30
    retries: 0
    policy: default
    """
}

func bundledCampaign(concurrency: Int) -> String {
    """
    name: bench
    description: Bundled-model throughput, batched or one prompt at a time.
    targets:
      - name: smollm2
        model: smollm2-135m-instruct
    select: { packs: [over-refusal], limit_per_pack: 16 }
    decoding: { max_tokens: 48, temperature: 0, top_p: 1, seed: 5 }
    concurrency: \(concurrency)
    timeout: 600
    retries: 0
    policy: default
    """
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

func format(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

@main
struct BenchCampaign {
    static func main() async throws {
        guard FileManager.default.fileExists(atPath: "probes/taxonomy.yaml") else {
            FileHandle.standardError.write(Data("run from the repository root (bench/campaign does)\n".utf8))
            exit(2)
        }
        if let index = CommandLine.arguments.firstIndex(of: "--serve-endpoint"), index + 1 < CommandLine.arguments.count,
           let milliseconds = Int(CommandLine.arguments[index + 1]) {
            try await serveEndpoint(milliseconds: milliseconds)
            return
        }
        let skipModel = CommandLine.arguments.contains("--no-model")
        var roots: [URL] = []
        defer { roots.forEach { try? FileManager.default.removeItem(at: $0) } }

        print("== endpoint (another process) with a fixed 50 ms latency, concurrency 64")
        let (slowURL, slowServer) = try startEndpoint(delay: 50)
        roots.append(try makeRoot(campaign: endpointCampaign(baseURL: slowURL)))
        let slow = try await audit(root: roots.last!)
        slowServer.terminate()
        // Whole waves: 2,016 attempts at 64 in flight need 32 rounds of 50 ms.
        let ideal = Double((slow.attempts + 63) / 64) * 0.050
        print("attempts \(slow.attempts)  wall \(format(slow.seconds)) s  ideal \(format(ideal)) s  ratio to ideal \(format(slow.seconds / ideal)) (target <= 1.10)")

        print("== the same endpoint with no latency: per-attempt overhead (scheduler + SQLite + verdicts + HTTP client)")
        let (fastURL, fastServer) = try startEndpoint(delay: 0)
        roots.append(try makeRoot(campaign: endpointCampaign(baseURL: fastURL)))
        let fast = try await audit(root: roots.last!)
        fastServer.terminate()
        let perAttempt = fast.seconds / Double(fast.attempts) * 1000
        print("attempts \(fast.attempts)  wall \(format(fast.seconds)) s  \(format(perAttempt, 3)) ms per attempt  ratio to the 1 ms budget \(format(perAttempt / 1.0, 3))")

        if skipModel { return }
        print("== bundled smollm2-135m-instruct in-process, 16 attempts × 48 tokens")
        roots.append(try makeRoot(campaign: bundledCampaign(concurrency: 1)))
        let single = try await audit(root: roots.last!)
        roots.append(try makeRoot(campaign: bundledCampaign(concurrency: 8)))
        let batched = try await audit(root: roots.last!)
        let singleRate = Double(single.attempts) / single.seconds * 60
        let batchedRate = Double(batched.attempts) / batched.seconds * 60
        print("one at a time: \(format(singleRate, 1)) attempts/min   batched (8): \(format(batchedRate, 1)) attempts/min   ratio \(format(batchedRate / singleRate))")
    }
}
