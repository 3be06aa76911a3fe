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
    let runs = try await session.run(force: false)
    let seconds = (ContinuousClock.now - start).seconds
    let attempts = try runs.reduce(0) { $0 + (try store.findings(run: $1.id)).filter { $0.attempt.state == .answered }.count }
    return (attempts, seconds)
}

/// Starts a fixed-latency endpoint; returns its base URL and the server task.
func startEndpoint(delay: Duration) async throws -> (String, Task<Void, any Error>) {
    let (stream, continuation) = AsyncStream<Int>.makeStream()
    var quiet = Logger(label: "bench-endpoint")
    quiet.logLevel = .critical
    let server = ModelServer(engine: FixedLatencyEngine(delay: delay), port: 0, logger: quiet)
    let task = Task { try await server.run { port in continuation.yield(port) } }
    var iterator = stream.makeAsyncIterator()
    guard let port = await iterator.next() else { throw CancellationError() }
    return ("http://127.0.0.1:\(port)/v1", task)
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
        let skipModel = CommandLine.arguments.contains("--no-model")
        var roots: [URL] = []
        defer { roots.forEach { try? FileManager.default.removeItem(at: $0) } }

        print("== endpoint with a fixed 50 ms latency, concurrency 64")
        let (slowURL, slowServer) = try await startEndpoint(delay: .milliseconds(50))
        roots.append(try makeRoot(campaign: endpointCampaign(baseURL: slowURL)))
        let slow = try await audit(root: roots.last!)
        slowServer.cancel()
        let ideal = Double(slow.attempts) * 0.050 / 64
        print("attempts \(slow.attempts)  wall \(format(slow.seconds)) s  ideal \(format(ideal)) s  ratio to ideal \(format(slow.seconds / ideal)) (target <= 1.10)")

        print("== the same endpoint with no latency: per-attempt overhead (scheduler + SQLite + verdicts + loopback HTTP)")
        let (fastURL, fastServer) = try await startEndpoint(delay: .zero)
        roots.append(try makeRoot(campaign: endpointCampaign(baseURL: fastURL)))
        let fast = try await audit(root: roots.last!)
        fastServer.cancel()
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
