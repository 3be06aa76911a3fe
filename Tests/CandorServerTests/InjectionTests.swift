import CandorCore
import CandorServer
import CandorStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Model output stays inert")
struct InjectionTests {
    /// Every page and every API response that shows a stored answer, probe text or evidence.
    static func uris(_ runs: [Run], probeVersion: String) -> [String] {
        let key = "\(runs[1].id)/\(probeVersion)/identity/0"
        return ["/", "/runs/\(runs[0].id)", "/runs/\(runs[1].id)", "/diff?before=\(runs[0].id)&after=\(runs[1].id)", "/findings/\(key)",
                "/probes/mini/a", "/api/runs", "/api/runs/\(runs[1].id)", "/api/findings", "/api/diff?before=\(runs[0].id)&after=\(runs[1].id)",
                "/api/campaigns/c/trend"]
            + ["html", "md", "json", "sarif", "junit"].map { "/api/runs/\(runs[1].id)/report?format=\($0)&baseline=\(runs[0].id)" }
    }

    @Test("script, onerror and javascript: payloads come back escaped in pages and as data in the API")
    func inert() async throws {
        let db = TemporaryDatabase()
        defer { db.remove() }
        let server = try ServerFixture.server(db)
        let runs = try ServerFixture.seed(server.store)
        let probeVersion = try #require(try server.store.findings(run: runs[1].id).first { $0.attempt.probe.probe == "a" }?.attempt.key.probeVersion)
        try await Application(router: server.makeRouter()).test(.router) { client in
            for uri in Self.uris(runs, probeVersion: probeVersion) {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                    let body = String(buffer: response.body)
                    let type = response.headers[.contentType] ?? ""
                    #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true, "\(uri)")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    if type.hasPrefix("text/html") || type.contains("xml") || type.hasPrefix("text/markdown") {
                        for raw in ["<script", "<img", "<a href=\"javascript", "](javascript:", "href=javascript"] {
                            #expect(!body.lowercased().contains(raw), "\(uri) contains raw \(raw)")
                        }
                    } else {
                        #expect(type.hasPrefix("application/json"), "\(uri) is \(type)")
                        // JSON carries the payload as data: it must round-trip unchanged, never as markup.
                        let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
                        if uri == "/api/findings" {
                            #expect(Self.strings(in: object).contains { $0.contains(ServerFixture.payload) }, "the payload round-trips as data")
                        }
                    }
                    if uri.hasPrefix("/findings/") {
                        #expect(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
                        #expect(body.contains("<mark>"), "evidence spans are highlighted")
                    }
                }
            }
        }
    }

    static func strings(in value: Any) -> [String] {
        switch value {
        case let text as String: [text]
        case let array as [Any]: array.flatMap(strings(in:))
        case let object as [String: Any]: object.values.flatMap(strings(in:))
        default: []
        }
    }

    @Test("evidence spans are highlighted on byte offsets, clamped, with the text escaped")
    func highlighting() {
        let answer = "ok <b>ä</b>"
        let evidence = [Evidence(kind: .pattern, detector: "d", label: "refused", utf8Start: 3, utf8End: 6, weight: 1),
                        Evidence(kind: .pattern, detector: "d", label: "refused", utf8Start: 5, utf8End: 99, weight: 1)]
        #expect(PageHighlight.html(answer, spans: evidence) == "ok <mark>&lt;b&gt;ä&lt;/b&gt;</mark>")
    }
}
