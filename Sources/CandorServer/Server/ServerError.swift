import Foundation
import HTTPTypes
import Hummingbird

/// A request the server refuses or cannot serve, rendered in one place as
/// `{"error": {"code": ..., "message": ...}}` with the matching HTTP status.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A stable machine-readable code, e.g. `not_found`.
    public var code: String
    public var message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    static func notFound(_ message: String) -> ServerError { ServerError(.notFound, "not_found", message) }
    static func badRequest(_ message: String) -> ServerError { ServerError(.badRequest, "bad_request", message) }

    struct Body: Encodable {
        struct Detail: Encodable { var code: String; var message: String }
        var error: Detail
    }

    var response: Response {
        JSONBody.response(Body(error: .init(code: code, message: message)), status: status)
    }
}
