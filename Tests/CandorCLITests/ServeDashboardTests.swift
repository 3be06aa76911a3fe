import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real binary end to end: `candor serve` on a free port runs a tiny campaign against the
/// bundled SmolLM2 through the JSON API, then serves its pages.
@Suite("candor serve (the real binary and the bundled model)", .serialized)
struct ServeDashboardTests {
    static func request(_ url: String, method: String = "GET", token: String? = nil, body: String? = nil) async throws -> (Int, Data) {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body { request.httpBody = Data(body.utf8); request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    static func object(_ data: Data) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("start a campaign through the API, follow its progress, read its pages")
    func campaignThroughAPI() async throws {
        let root = FileManager.default.temporaryDirectory.appending(path: "candor-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for folder in ["probes", "policies"] {
            try FileManager.default.copyItem(at: CandorBinary.packageRoot.appending(path: folder), to: root.appending(path: folder))
        }
        try FileManager.default.createDirectory(at: root.appending(path: "audits"), withIntermediateDirectories: true)
        try """
            name: tiny
            description: Two probes on SmolLM2, short answers.
            targets:
              - name: smollm2
                model: smollm2-135m-instruct
            select: { packs: [china-sensitive, harmful], limit_per_pack: 1 }
            samples: 1
            decoding: { max_tokens: 24, temperature: 0, top_p: 1, seed: 1 }
            concurrency: 2
            timeout: 120
            retries: 1
            policy: default
            """.write(to: root.appending(path: "audits/tiny.yaml"), atomically: true, encoding: .utf8)

        let (server, announcement) = try CandorBinary.startServer(
            ["serve", "--port", "0", "--root", root.path, "--db", root.appending(path: "candor.sqlite").path],
            environment: ["CANDOR_API_TOKEN": "e2e-token"]
        )
        defer { server.terminate(); server.waitUntilExit() }
        let base = try #require(announcement.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }.map { String($0.trimmingCharacters(in: .whitespacesAndNewlines).dropLast()) },
                                "no announcement: \(announcement)")

        let (refused, _) = try await Self.request(base + "/api/runs", method: "POST", body: #"{"campaign":"tiny"}"#)
        #expect(refused == 401)
        let (status, started) = try await Self.request(base + "/api/runs", method: "POST", token: "e2e-token", body: #"{"campaign":"tiny"}"#)
        #expect(status == 202)
        let jobID = try #require((try Self.object(started)["job"] as? [String: Any])?["id"] as? Int)

        var job: [String: Any] = [:]
        let runDeadline = Date().addingTimeInterval(240)
        repeat {
            try await Task.sleep(for: .milliseconds(500))
            job = try #require(try Self.object(try await Self.request(base + "/api/jobs/\(jobID)").1)["job"] as? [String: Any])
        } while job["state"] as? String == "running" && Date() < runDeadline
        #expect(job["state"] as? String == "completed", "\(job)")
        let runID = try #require((job["runIDs"] as? [Int])?.first)

        let (findingsStatus, findings) = try await Self.request(base + "/api/findings?run=\(runID)")
        #expect(findingsStatus == 200)
        #expect((try Self.object(findings)["findings"] as? [Any])?.count == 2)
        for page in ["/", "/runs/\(runID)", "/api/runs/\(runID)/report?format=md"] {
            let (pageStatus, body) = try await Self.request(base + page)
            #expect(pageStatus == 200, "\(page)")
            #expect(String(decoding: body, as: UTF8.self).contains("tiny"), "\(page)")
        }
    }
}
