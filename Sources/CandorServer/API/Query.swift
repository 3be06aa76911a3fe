import HTTPTypes
import Hummingbird

/// Typed access to query parameters: absent is `nil`, present but malformed is a 400.
struct Query {
    let request: Request

    func string(_ name: String, maxLength: Int = 200) throws(ServerError) -> String? {
        guard let value = request.uri.queryParameters.get(name), !value.isEmpty else { return nil }
        guard value.count <= maxLength else { throw .badRequest("query parameter \(name) is longer than \(maxLength) characters") }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int>? = nil) throws(ServerError) -> Int? {
        try int(name, as: Int.self, in: range)
    }

    func int<T: FixedWidthInteger>(_ name: String, as type: T.Type, in range: ClosedRange<T>? = nil) throws(ServerError) -> T? {
        guard let text = try string(name, maxLength: 24) else { return nil }
        guard let value = T(text, radix: 10) else { throw .badRequest("query parameter \(name) must be an integer, got '\(text)'") }
        if let range, !range.contains(value) { throw .badRequest("query parameter \(name) must lie in \(range.lowerBound)...\(range.upperBound)") }
        return value
    }

    static func pathInt64(_ context: some RequestContext, _ name: String) throws(ServerError) -> Int64 {
        guard let text = context.parameters.get(name), let value = Int64(text) else { throw .badRequest("path parameter \(name) must be an integer") }
        return value
    }

    static func path(_ context: some RequestContext, _ name: String) throws(ServerError) -> String {
        guard let text = context.parameters.get(name), !text.isEmpty, text.count <= 200 else { throw .badRequest("path parameter \(name) is missing or too long") }
        return text
    }
}
