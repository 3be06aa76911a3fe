import AsyncHTTPClient
import NIOPosix

/// The HTTP client an endpoint target uses, and whether the target must shut it down.
enum HTTPClientOwnership {
    /// A client for model endpoints: on the process-wide event loop group, failing at once when
    /// a connection cannot be made (the scheduler owns retries, not the connection pool).
    static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }
}
