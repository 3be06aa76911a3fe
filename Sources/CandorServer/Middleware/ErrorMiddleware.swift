import HTTPTypes
import Hummingbird
import Logging

/// Renders every failure as the JSON error envelope: ``ServerError`` as itself, Hummingbird's
/// own errors (unknown route, body too large) with their status, anything else as a 500 that
/// does not leak internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServerError {
            return error.response
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : error.status == .contentTooLarge ? "too_large" : "http_\(error.status.code)"
            return ServerError(error.status, code, error.body ?? error.status.reasonPhrase).response
        } catch {
            context.logger.error("request failed: \(error)")
            return ServerError(.internalServerError, "internal", "the server failed to handle the request").response
        }
    }
}
