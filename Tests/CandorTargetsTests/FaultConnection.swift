import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One accepted connection of a ``FaultServer``: reads one request, injects the planned fault.
struct FaultConnection {
    let fd: Int32
    let state: FaultServerState

    func serve() {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = readRequest() else {
            state.unregisterAndClose(fd)
            return
        }
        let index = state.record(request)
        let fault = state.plan.decide(index, request)
        switch fault {
        case .answer(let content, let reasoning):
            respond(status: 200, json: Self.answer(for: request, content: content, reasoning: reasoning))
        case .rateLimited(let retryAfter):
            var headers: [(String, String)] = []
            if let retryAfter { headers.append(("Retry-After", retryAfter)) }
            respond(status: 429, json: Self.error("rate limit exceeded"), extraHeaders: headers)
        case .status(let code, let message):
            respond(status: code, json: Self.error(message))
        case .reset:
            state.unregisterAndClose(fd, reset: true)
            return
        case .stall(let seconds):
            let end = Date().addingTimeInterval(seconds)
            while Date() < end, !state.isStopped { usleep(20_000) }
            respond(status: 200, json: Self.answer(for: request, content: "late", reasoning: nil))
        case .truncated:
            let body = Self.answer(for: request, content: "this answer is cut short", reasoning: nil)
            let sent = body.prefix(body.count / 2)
            write(head: 200, headers: [("Content-Type", "application/json"), ("Content-Length", "\(body.count)")])
            write(Data(sent))
        case .invalidJSON:
            respond(status: 200, json: Data(#"{"choices": [ {"message": {"content": "unterminated"#.utf8))
        case .missingContent:
            respond(status: 200, json: Data(#"{"id": "x", "object": "chat.completion", "choices": []}"#.utf8))
        }
        state.unregisterAndClose(fd)
    }

    // MARK: Reading

    /// Reads the head up to CRLFCRLF and a `Content-Length` body; `nil` if the peer went away.
    private func readRequest() -> RecordedRequest? {
        var buffer = Data()
        let separator = Data("\r\n\r\n".utf8)
        var headEnd: Range<Data.Index>?
        while headEnd == nil {
            guard let chunk = readSome(), buffer.count < 1 << 20 else { return nil }
            buffer.append(chunk)
            headEnd = buffer.range(of: separator)
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[..<headEnd.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        var body = Data(buffer[headEnd.upperBound...])
        while body.count < length {
            guard let chunk = readSome() else { return nil }
            body.append(chunk)
        }
        return RecordedRequest(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
    }

    private func readSome() -> Data? {
        var bytes = [UInt8](repeating: 0, count: 16_384)
        let count = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Data(bytes[0..<count]) : nil
    }

    // MARK: Writing

    private func respond(status: Int, json: Data, extraHeaders: [(String, String)] = []) {
        write(head: status, headers: [("Content-Type", "application/json"), ("Content-Length", "\(json.count)")] + extraHeaders)
        write(json)
    }

    private func write(head status: Int, headers: [(String, String)]) {
        var text = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        for (name, value) in headers + [("Connection", "close")] { text += "\(name): \(value)\r\n" }
        write(Data((text + "\r\n").utf8))
    }

    private func write(_ data: Data) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return }
                offset += sent
            }
        }
    }

    // MARK: Bodies

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    private static func error(_ message: String) -> Data {
        json(["error": ["message": message, "type": "injected"]])
    }

    /// A success body in the dialect of `request.path`; the reported model echoes the request's.
    static func answer(for request: RecordedRequest, content: String, reasoning: String?) -> Data {
        let sent = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any]
        let model = sent?["model"] as? String ?? "fault-model"
        let path = request.path
        if path.hasSuffix("/models") {
            return json(["object": "list", "data": [["id": "fault-model", "object": "model", "created": 1_700_000_000, "owned_by": "fault-server"]]])
        }
        if path.hasSuffix("/api/show") {
            return json(["digest": "sha256:fault", "details": ["family": "llama", "parameter_size": "135M", "quantization_level": "Q4_1"]])
        }
        if path.hasSuffix("/api/chat") {
            var message: [String: Any] = ["role": "assistant", "content": content]
            if let reasoning { message["thinking"] = reasoning }
            return json(["model": model, "message": message, "done": true, "done_reason": "stop", "prompt_eval_count": 12, "eval_count": 7])
        }
        var message: [String: Any] = ["role": "assistant", "content": content]
        if let reasoning { message["reasoning_content"] = reasoning }
        return json([
            "id": "chatcmpl-fault", "object": "chat.completion", "model": model,
            "choices": [["index": 0, "message": message, "finish_reason": "stop"]],
            "usage": ["prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19],
        ])
    }

    private static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
