import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A request the server refuses, rendered as OpenAI's error envelope.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String
    /// The request field at fault, e.g. `messages[1].role`.
    var param: String?
    var type: String = "invalid_request_error"
    var code: String?

    static func invalid(_ param: String?, _ message: String) -> APIError {
        APIError(status: .badRequest, message: message, param: param)
    }

    var response: Response {
        let body = ErrorBody(error: .init(message: message, type: type, param: param, code: code))
        return JSONResponse.make(body, status: status)
    }
}

/// JSON responses with a fixed encoder configuration.
enum JSONResponse {
    static func encode(_ value: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The wire types hold only strings and numbers; encoding them cannot fail.
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":{"message":"encoding failed","type":"server_error"}}"#.utf8)
        return ByteBuffer(bytes: data)
    }

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: encode(value)))
    }
}
