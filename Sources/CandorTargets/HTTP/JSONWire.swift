import CandorCore
import Foundation

/// JSON encoding and decoding for endpoint payloads, failing as ``TargetError``.
enum JSONWire {
    /// Deterministic JSON (sorted keys), so the recorded request parameters are stable.
    static func encode(_ value: some Encodable) throws(TargetError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            throw TargetError(.unavailable, "could not encode the request as JSON: \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data, source: String) throws(TargetError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw TargetError(.invalidResponse, "\(source) did not answer valid JSON (\(data.count) bytes): \(Self.reason(error))")
        }
    }

    /// The decoding failure without the payload (which may quote model output).
    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): "malformed JSON at \(path(context.codingPath))"
        case DecodingError.keyNotFound(let key, let context): "missing key \(key.stringValue) at \(path(context.codingPath))"
        case DecodingError.typeMismatch(let type, let context): "expected \(type) at \(path(context.codingPath))"
        case DecodingError.valueNotFound(let type, let context): "null where \(type) expected at \(path(context.codingPath))"
        default: "\(type(of: error))"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
