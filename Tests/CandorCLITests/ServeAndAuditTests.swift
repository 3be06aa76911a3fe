import Foundation
import Testing

/// The real binary end to end: `candor serve-model` serves the bundled SmolLM2 over HTTP on
/// 127.0.0.1, and `candor audit` audits it through the OpenAI-compatible target.
@Suite("serve-model and audit over HTTP (the real binary and the bundled model)", .serialized)
struct ServeAndAuditTests {
    @Test("an audit through the OpenAI-compatible target stores classified answers for every attempt")
    func auditOverHTTP() throws {
        let (server, announcement) = try CandorBinary.startServer(["serve-model", "--model", "smollm2-135m-instruct", "--port", "0"])
        defer { server.terminate(); server.waitUntilExit() }
        let baseURL = try #require(announcement.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init), "no announcement: \(announcement)")

        let root = FileManager.default.temporaryDirectory.appending(path: "candor-http-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for folder in ["probes", "policies"] {
            try FileManager.default.copyItem(at: CandorBinary.packageRoot.appending(path: folder), to: root.appending(path: folder))
        }
        try FileManager.default.createDirectory(at: root.appending(path: "audits"), withIntermediateDirectories: true)
        let campaign = """
            name: http
            description: Audit SmolLM2 through its OpenAI-compatible server.
            targets:
              - name: served
                openai: { base_url: "\(baseURL)", model: smollm2-135m-instruct }
            select: { packs: [china-sensitive, harmful], limit_per_pack: 2 }
            decoding: { max_tokens: 24, temperature: 0, seed: 3 }
            concurrency: 2
            timeout: 120
            retries: 1
            policy: default
            """
        try campaign.write(to: root.appending(path: "audits/http.yaml"), atomically: true, encoding: .utf8)
        let db = root.appending(path: "c.sqlite").path
        let audit = try CandorBinary.run(["audit", "audits/http.yaml", "--db", db, "--no-summary"], in: root)
        #expect(audit.status == 0, "\(audit.stderr)")
        let show = try CandorBinary.run(["runs", "show", "1", "--db", db], in: root)
        #expect(show.stdout.contains("model: smollm2-135m-instruct (openai-compatible)"), "\(show.stdout)")
        #expect(show.stdout.contains("answered\t4"), "\(show.stdout)")
        let csv = try CandorBinary.run(["export", "--db", db, "--format", "csv"], in: root)
        let rows = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.count == 5)
        #expect(rows.dropFirst().allSatisfy { $0.contains(",answered,") })
    }
}
