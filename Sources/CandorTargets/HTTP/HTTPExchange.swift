import AsyncHTTPClient
import CandorCore
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP exchange with a model endpoint, every failure classified as a ``TargetError``.
///
/// The bearer token is passed in per call and only ever written into the `Authorization`
/// header; it is redacted from any server text that ends up in an error message.
struct HTTPExchange: Sendable {
    /// Bodies larger than this are refused as invalid (a chat answer is far smaller).
    static let maxResponseBytes = 32 << 20

    let client: HTTPClient

    /// Sends `body` (JSON) to `url` and returns the response body of a 2xx answer.
    ///
    /// The client's own deadline normally ends a stalled exchange; a backstop timer a quarter of
    /// a second later cancels the request if it has not (seen under heavy load), so no attempt
    /// ever waits much past its timeout.
    func perform(
        method: HTTPMethod, url: String, body: Data?, bearerToken: String?, timeoutSeconds: Double
    ) async throws(TargetError) -> Data {
        let outcome: Result<Data, TargetError>? = await withTaskGroup(of: Result<Data, TargetError>?.self) { group in
            group.addTask {
                do throws(TargetError) {
                    return .success(try await performUnguarded(method: method, url: url, body: body, bearerToken: bearerToken, timeoutSeconds: timeoutSeconds))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(max(0.001, timeoutSeconds) + 0.25))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        switch outcome {
        case .success(let data): return data
        case .failure(let error): throw error
        case nil:
            if Task.isCancelled { throw TargetError(.cancelled, "waiting for \(url)") }
            throw TargetError(.timeout, "no answer within \(timeoutSeconds)s while waiting for \(url)")
        }
    }

    private func performUnguarded(
        method: HTTPMethod, url: String, body: Data?, bearerToken: String?, timeoutSeconds: Double
    ) async throws(TargetError) -> Data {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        if let bearerToken, !bearerToken.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)")
        }
        let nanoseconds = Int64(max(0.001, timeoutSeconds) * 1e9)
        let deadline = NIODeadline.now() + .nanoseconds(nanoseconds)

        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw Self.classify(error, phase: "sending the request to \(url)", timeoutSeconds: timeoutSeconds)
        }

        let bytes: ByteBuffer
        do {
            bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
        } catch {
            let classified = Self.classify(error, phase: "reading the response body", timeoutSeconds: timeoutSeconds)
            switch classified.kind {
            case .timeout, .cancelled: throw classified
            default:
                throw TargetError(
                    .invalidResponse,
                    "response body from \(url) (HTTP \(response.status.code)) ended early or was too large: \(Self.describe(error))"
                )
            }
        }
        let data = Data(bytes.readableBytesView)
        let status = Int(response.status.code)
        switch status {
        case 200..<300:
            return data
        case 429:
            let after = response.headers.first(name: "Retry-After").flatMap { RetryAfter.seconds(from: $0) }
            throw TargetError(.rateLimited(retryAfter: after), "\(url): \(Self.serverMessage(data, hiding: bearerToken))")
        case 500..<600:
            throw TargetError(.server(status: status), "\(url): \(Self.serverMessage(data, hiding: bearerToken))")
        case 400..<500:
            throw TargetError(.client(status: status), "\(url): \(Self.serverMessage(data, hiding: bearerToken))")
        default:
            throw TargetError(.invalidResponse, "\(url) answered with unexpected HTTP status \(status)")
        }
    }

    /// Maps transport errors to kinds: deadlines are timeouts, everything else on the wire is a connection error.
    static func classify(_ error: any Error, phase: String, timeoutSeconds: Double) -> TargetError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return TargetError(.timeout, "no answer within \(timeoutSeconds)s while \(phase)")
            case .cancelled:
                return Task.isCancelled ? TargetError(.cancelled, phase) : TargetError(.connection, "\(phase): request cancelled by the client")
            default:
                return TargetError(.connection, "\(phase): \(describe(error))")
            }
        }
        if error is CancellationError || Task.isCancelled {
            return TargetError(.cancelled, phase)
        }
        return TargetError(.connection, "\(phase): \(describe(error))")
    }

    /// A short, secret-free description of a transport error.
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }

    /// The server's own error text (`error.message`, `error` or the raw body), shortened, with the token redacted.
    static func serverMessage(_ data: Data, hiding secret: String?) -> String {
        var text: String
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            if let error = object["error"] as? [String: Any], let message = error["message"] as? String {
                text = message
            } else if let message = object["error"] as? String {
                text = message
            } else {
                text = String(decoding: data, as: UTF8.self)
            }
        } else {
            text = String(decoding: data, as: UTF8.self)
        }
        if let secret, !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        if text.isEmpty { return "(empty body)" }
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
