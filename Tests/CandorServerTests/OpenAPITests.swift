import CandorCore
import CandorServer
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing

/// The OpenAPI document at the repository root, read with a small line parser: paths are the
/// two-space-indented keys under `paths:`, operations the four-space-indented methods, and an
/// operation's first `required: [...]` is its success response's top-level fields.
struct OpenAPIDocument {
    var operations: [String: [String]] = [:]

    init(url: URL) throws {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var inPaths = false, path = "", current: String?
        for line in lines {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let method = ["get", "post", "put", "delete", "patch"].first(where: { line == "    \($0):" }) {
                current = "\(method.uppercased()) \(path)"
                operations[current!] = []
            } else if let current, operations[current]?.isEmpty == true, let range = line.range(of: "required: ["), !line.contains("required: true") {
                let list = line[range.upperBound...].dropLast()
                operations[current] = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
    }
}

@Suite("OpenAPI document")
struct OpenAPITests {
    static let url = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appending(path: "openapi.yaml")

    @Test("every registered route is documented and every documented route is registered")
    func routesMatch() throws {
        let db = TemporaryDatabase()
        defer { db.remove() }
        let router = try ServerFixture.server(db).makeRouter()
        let registered = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
        let documented = Set(try OpenAPIDocument(url: Self.url).operations.keys)
        #expect(registered.count >= 17)
        #expect(registered.subtracting(documented).isEmpty, "undocumented: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "not served: \(documented.subtracting(registered).sorted())")
    }

    @Test("sample responses carry the documented top-level fields")
    func responsesMatch() async throws {
        let db = TemporaryDatabase()
        defer { db.remove() }
        let server = try ServerFixture.server(db)
        let runs = try ServerFixture.seed(server.store)
        let document = try OpenAPIDocument(url: Self.url)
        let samples = ["GET /api/campaigns": "/api/campaigns", "GET /api/campaigns/{name}/trend": "/api/campaigns/c/trend", "GET /api/runs": "/api/runs",
                       "GET /api/runs/{id}": "/api/runs/\(runs[0].id)", "GET /api/findings": "/api/findings?limit=1",
                       "GET /api/diff": "/api/diff?before=\(runs[0].id)&after=\(runs[1].id)", "GET /api/jobs": "/api/jobs"]
        try await Application(router: server.makeRouter()).test(.router) { client in
            for (operation, uri) in samples {
                let required = try #require(document.operations[operation], "\(operation) is documented")
                #expect(!required.isEmpty, "\(operation) documents its fields")
                try await client.execute(uri: uri, method: .get) { response in
                    let body = try jsonObject(response)
                    for field in required { #expect(body[field] != nil, "\(operation) lacks \(field)") }
                }
            }
        }
    }
}
