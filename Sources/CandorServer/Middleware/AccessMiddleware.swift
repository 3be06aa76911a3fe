import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Token checks and request size limits, before any handler runs.
///
/// Write requests (anything but GET and HEAD) always need `Authorization: Bearer <token>`;
/// when the server listens beyond loopback every request does. Without a configured token,
/// writes are refused. Bodies over `maxBodyBytes` are refused by their declared length.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?
    let tokenForReads: Bool
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw ServerError(.contentTooLarge, "too_large", "request bodies are limited to \(maxBodyBytes) bytes")
        }
        if request.uri.string.utf8.count > 4096 {
            throw ServerError(.uriTooLong, "uri_too_long", "request URIs are limited to 4096 bytes")
        }
        let isWrite = request.method != .get && request.method != .head
        if isWrite || tokenForReads {
            guard let token else {
                throw ServerError(.forbidden, "token_not_configured", "set CANDOR_API_TOKEN when starting the server to allow write requests")
            }
            guard let given = Self.bearer(request.headers[.authorization]), Self.equal(given, token) else {
                throw ServerError(.unauthorized, "unauthorized", "send the API token as `Authorization: Bearer <token>`")
            }
        }
        return try await next(request, context)
    }

    static func bearer(_ header: String?) -> String? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst("Bearer ".count))
    }

    /// Compares digests so the time taken does not reveal how much of the token matched.
    static func equal(_ a: String, _ b: String) -> Bool {
        Data(SHA256.hash(data: Data(a.utf8))) == Data(SHA256.hash(data: Data(b.utf8)))
    }
}
