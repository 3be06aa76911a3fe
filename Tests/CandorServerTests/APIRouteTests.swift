import CandorCore
import CandorServer
import CandorStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Decodes a JSON object body.
func jsonObject(_ response: TestResponse) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
}

@Suite("JSON API routes")
struct APIRouteTests {
    @Test("runs, run detail, findings with filters and paging, diff, trend")
    func readRoutes() async throws {
        let db = TemporaryDatabase()
        defer { db.remove() }
        let server = try ServerFixture.server(db)
        let runs = try ServerFixture.seed(server.store)
        try await Application(router: server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/api/runs", method: .get) { response in
                #expect(response.status == .ok)
                let body = try jsonObject(response)
                #expect((body["runs"] as? [Any])?.count == 2)
            }
            try await client.execute(uri: "/api/runs/\(runs[1].id)", method: .get) { response in
                let body = try jsonObject(response)
                #expect(body["previousRunID"] as? Int == Int(runs[0].id))
                #expect(body["rates"] != nil && body["asymmetry"] != nil)
            }
            try await client.execute(uri: "/api/findings?category=harmful", method: .get) { response in
                let findings = try #require(try jsonObject(response)["findings"] as? [[String: Any]])
                #expect(findings.count == 2)
            }
            try await client.execute(uri: "/api/findings?run=\(runs[1].id)&outcome=censorship", method: .get) { response in
                let body = try jsonObject(response)
                #expect((body["findings"] as? [Any])?.count == 1)
            }
            try await client.execute(uri: "/api/findings?q=phishing&limit=1", method: .get) { response in
                let body = try jsonObject(response)
                #expect((body["findings"] as? [Any])?.count == 1)
                #expect(body["nextOffset"] as? Int == 1)
            }
            try await client.execute(uri: "/api/findings?q=phishing&limit=1&offset=2", method: .get) { response in
                let body = try jsonObject(response)
                #expect((body["findings"] as? [Any])?.count == 0)
            }
            try await client.execute(uri: "/api/diff?before=\(runs[0].id)&after=\(runs[1].id)", method: .get) { response in
                let diff = try #require(try jsonObject(response)["diff"] as? [String: Any])
                #expect((diff["flips"] as? [Any])?.count == 1)
            }
            try await client.execute(uri: "/api/campaigns/c/trend", method: .get) { response in
                let body = try jsonObject(response)
                #expect((body["points"] as? [Any])?.isEmpty == false)
            }
        }
    }

    @Test("reports download in every format")
    func reports() async throws {
        let db = TemporaryDatabase()
        defer { db.remove() }
        let server = try ServerFixture.server(db)
        let runs = try ServerFixture.seed(server.store)
        try await Application(router: server.makeRouter()).test(.router) { client in
            for format in ["html", "md", "json", "sarif", "junit"] {
                try await client.execute(uri: "/api/runs/\(runs[1].id)/report?format=\(format)&baseline=\(runs[0].id)", method: .get) { response in
                    #expect(response.status == .ok, "\(format)")
                    #expect(response.headers[.contentDisposition]?.contains("candor-run-\(runs[1].id)") == true)
                    #expect(response.body.readableBytes > 100)
                }
            }
            try await client.execute(uri: "/api/runs/\(runs[1].id)/report?format=pdf", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("errors are JSON envelopes with the right status")
    func errors() async throws {
        let db = TemporaryDatabase()
        defer { db.remove() }
        let server = try ServerFixture.server(db)
        _ = try ServerFixture.seed(server.store)
        try await Application(router: server.makeRouter()).test(.router) { client in
            for (uri, status, code) in [("/api/runs/999", HTTPResponse.Status.notFound, "not_found"), ("/api/runs/abc", .badRequest, "bad_request"),
                                        ("/api/findings?limit=0", .badRequest, "bad_request"), ("/api/campaigns/..%2Fetc/trend", .badRequest, "bad_request"),
                                        ("/api/nowhere", .notFound, "not_found"), ("/runs/999", .notFound, "not_found")] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == status, "\(uri)")
                    let error = try #require(try jsonObject(response)["error"] as? [String: Any])
                    #expect(error["code"] as? String == code, "\(uri)")
                    #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                }
            }
        }
    }

    @Test("writes need the token; without one configured they are refused")
    func tokens() async throws {
        let db = TemporaryDatabase()
        defer { db.remove() }
        let body = ByteBuffer(string: #"{"campaign": "smoke"}"#)
        try await Application(router: try ServerFixture.server(db).makeRouter()).test(.router) { client in
            try await client.execute(uri: "/api/runs", method: .post, body: body) { response in
                #expect(response.status == .forbidden)
            }
        }
        let secured = try ServerFixture.server(db, token: "s3cret")
        try await Application(router: secured.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/api/runs", method: .post, headers: [.authorization: "Bearer wrong"], body: body) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/api/runs", method: .post, headers: [.authorization: "Bearer s3cret"], body: body) { response in
                #expect(response.status == .notFound, "no audits/smoke.yaml under the temporary root")
            }
            try await client.execute(uri: "/api/runs", method: .post, headers: [.authorization: "Bearer s3cret"],
                                     body: ByteBuffer(string: #"{"campaign": "../../etc/passwd"}"#)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/runs", method: .post, headers: [.authorization: "Bearer s3cret"],
                                     body: ByteBuffer(repeating: UInt8(ascii: "x"), count: 100_000)) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await client.execute(uri: "/api/runs", method: .get) { response in
                #expect(response.status == .ok, "reads on loopback need no token")
            }
        }
    }

    @Test("beyond loopback: a token is required to start, and on every request")
    func exposed() async throws {
        let db = TemporaryDatabase()
        defer { db.remove() }
        #expect(throws: ServerError.self) { _ = try ServerFixture.server(db, host: "0.0.0.0") }
        let server = try ServerFixture.server(db, host: "0.0.0.0", token: "t")
        try await Application(router: server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in #expect(response.status == .unauthorized) }
            try await client.execute(uri: "/", method: .get, headers: [.authorization: "Bearer t"]) { response in #expect(response.status == .ok) }
        }
    }
}
