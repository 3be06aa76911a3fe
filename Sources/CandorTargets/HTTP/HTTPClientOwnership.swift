import AsyncHTTPClient
import NIOPosix

/// The HTTP client an endpoint target uses, and whether the target must shut it down.
enum HTTPClientOwnership {
    /// A client for model endpoints: on the process-wide event loop group, failing at once when
    /// a connection cannot be made (the scheduler owns retries, not the connection pool), and
    /// with as many connections per host as the campaign's concurrency asks for (the client's
    /// default of 8 would silently cap a campaign at 8 requests in flight).
    static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }
}
