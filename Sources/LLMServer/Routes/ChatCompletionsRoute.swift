import Foundation
import Hummingbird
import Logging
import NIOCore

/// `POST /v1/chat/completions`: validates, runs the engine, answers JSON or server-sent events.
struct ChatCompletionsRoute: Sendable {
    let engine: any ChatEngine
    let maxRequestBytes: Int
    let logger: Logger

    func handle(_ request: Request) async -> Response {
        let bytes: ByteBuffer
        do {
            bytes = try await request.body.collect(upTo: maxRequestBytes)
        } catch {
            return APIError(
                status: .contentTooLarge, message: "request body exceeds \(maxRequestBytes) bytes", param: nil
            ).response
        }
        let call: ChatCall
        do {
            call = try ChatRequestValidation.validate(Data(bytes.readableBytesView), modelID: engine.modelID)
        } catch {
            return error.response
        }
        let id = "chatcmpl-" + UUID().uuidString.lowercased()
        let created = Int(Date().timeIntervalSince1970)
        return call.stream ? stream(call, id: id, created: created) : await complete(call, id: id, created: created)
    }

    private func complete(_ call: ChatCall, id: String, created: Int) async -> Response {
        do {
            let result = try await engine.complete(messages: call.messages, options: call.options, onText: { _ in true })
            let body = ChatCompletionBody(
                id: id, created: created, model: engine.modelID,
                choices: [.init(index: 0, message: ChatMessage(role: "assistant", content: result.text), finish_reason: result.finishReason)],
                usage: .init(prompt_tokens: result.promptTokens, completion_tokens: result.completionTokens,
                             total_tokens: result.promptTokens + result.completionTokens))
            return JSONResponse.make(body)
        } catch {
            logger.error("generation failed", metadata: ["error": "\(error)"])
            return APIError(status: .internalServerError, message: "generation failed: \(error)", param: nil, type: "server_error").response
        }
    }

    /// Streams `data: {chunk}\n\n` events, ending with `data: [DONE]\n\n`.
    private func stream(_ call: ChatCall, id: String, created: Int) -> Response {
        let engine = self.engine
        let logger = self.logger
        let model = engine.modelID
        @Sendable func event(_ delta: ChatCompletionChunk.Delta, finish: String? = nil, usage: ChatCompletionBody.Usage? = nil) -> ByteBuffer {
            let chunk = ChatCompletionChunk(
                id: id, created: created, model: model,
                choices: [.init(index: 0, delta: delta, finish_reason: finish)], usage: usage)
            return ServerSentEvents.event(JSONResponse.encode(chunk))
        }
        let body = ResponseBody { writer in
            let (pieces, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
            let generation = Task {
                defer { continuation.finish() }
                return try await engine.complete(messages: call.messages, options: call.options) { text in
                    if case .terminated = continuation.yield(text) { return false }
                    return true
                }
            }
            do {
                try await writer.write(event(.init(role: "assistant", content: "")))
                for await piece in pieces {
                    try await writer.write(event(.init(content: piece)))
                }
                let result = try await generation.value
                let usage = ChatCompletionBody.Usage(
                    prompt_tokens: result.promptTokens, completion_tokens: result.completionTokens,
                    total_tokens: result.promptTokens + result.completionTokens)
                try await writer.write(event(.init(), finish: result.finishReason, usage: usage))
            } catch {
                generation.cancel()
                logger.error("streamed generation failed", metadata: ["error": "\(error)"])
                let failure = ErrorBody(error: .init(message: "generation failed: \(error)", type: "server_error"))
                try? await writer.write(ServerSentEvents.event(JSONResponse.encode(failure)))
            }
            try await writer.write(ServerSentEvents.done)
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: body)
    }
}

/// Server-sent event framing (WHATWG HTML §9.2): one `data:` line per event, blank line after.
enum ServerSentEvents {
    static func event(_ payload: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        var payload = payload
        buffer.writeBuffer(&payload)
        buffer.writeString("\n\n")
        return buffer
    }

    static let done = ByteBuffer(string: "data: [DONE]\n\n")
}
