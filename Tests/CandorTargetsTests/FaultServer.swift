import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the fault server does with one request.
enum Fault: Sendable, Hashable {
    /// A well-formed answer in the dialect the path asks for: OpenAI `…/chat/completions`,
    /// Ollama `/api/chat`, `…/models`, `/api/show`. `reasoning` goes to `reasoning_content`
    /// (OpenAI) or `message.thinking` (Ollama).
    case answer(content: String, reasoning: String? = nil)
    /// HTTP 429, with a `Retry-After` header when the value is given (seconds or HTTP-date).
    case rateLimited(retryAfter: String?)
    /// Any status with a JSON error body (500, 503, 400, 401 ...).
    case status(Int, message: String = "injected failure")
    /// Closes the connection without answering (TCP RST).
    case reset
    /// Waits this long before answering (past the client's timeout).
    case stall(seconds: Double)
    /// Announces a longer `Content-Length` than it sends, then closes.
    case truncated
    /// HTTP 200 whose body is not JSON.
    case invalidJSON
    /// HTTP 200, valid JSON, no answer in it.
    case missingContent
}

/// One request as the fault server received it.
struct RecordedRequest: Sendable, Hashable {
    var method: String
    var path: String
    /// Header names lowercased.
    var headers: [String: String]
    var body: Data
}

/// Which fault to inject for the n-th request (0-based, in order of arrival).
struct FaultPlan: Sendable {
    let decide: @Sendable (_ index: Int, _ request: RecordedRequest) -> Fault

    /// `faults` for the first requests, then `then` for every later one.
    static func sequence(_ faults: [Fault], then: Fault = .answer(content: "ok")) -> FaultPlan {
        FaultPlan { index, _ in index < faults.count ? faults[index] : then }
    }

    /// The same fault for every request.
    static func always(_ fault: Fault) -> FaultPlan { sequence([], then: fault) }

    /// Any rule, e.g. by prompt text or at random from a seeded generator.
    static func script(_ decide: @escaping @Sendable (_ index: Int, _ request: RecordedRequest) -> Fault) -> FaultPlan {
        FaultPlan(decide: decide)
    }
}

/// A real HTTP/1.1 server on 127.0.0.1 that answers each request per a ``FaultPlan``.
///
/// It is written on POSIX sockets, not Hummingbird, because two of its faults (a reset
/// connection and a body shorter than its `Content-Length`) need control below any HTTP
/// framework's response API, and so that the file depends on Foundation only and can be copied
/// into other test targets. One thread accepts; each connection gets a thread; every response
/// carries `Connection: close`.
final class FaultServer: Sendable {
    /// `http://127.0.0.1:<port>`; OpenAI clients append `/v1`.
    let baseURL: String
    let port: Int
    private let listener: Int32
    private let state: FaultServerState

    private init(listener: Int32, port: Int, state: FaultServerState) {
        self.listener = listener
        self.port = port
        self.baseURL = "http://127.0.0.1:\(port)"
        self.state = state
    }

    /// Binds a free port on 127.0.0.1 and starts answering.
    static func start(plan: FaultPlan) async throws -> FaultServer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FaultServerError("socket() failed: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            throw FaultServerError("bind/listen on 127.0.0.1 failed: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let state = FaultServerState(plan: plan)
        let thread = Thread { FaultServer.acceptLoop(listener: fd, state: state) }
        thread.start()
        return FaultServer(listener: fd, port: port, state: state)
    }

    /// Requests received so far (fully read, whatever the fault).
    var requestCount: Int { state.requests.count }

    /// Every request received so far, in order.
    var requests: [RecordedRequest] { state.requests }

    /// Stops accepting, wakes stalled answers and closes open connections.
    func stop() {
        guard state.markStopped() else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        state.closeConnections()
    }

    deinit { stop() }

    private static func acceptLoop(listener: Int32, state: FaultServerState) {
        while !state.isStopped {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            guard state.register(connection) else { close(connection); return }
            let thread = Thread { FaultConnection(fd: connection, state: state).serve() }
            thread.start()
        }
    }
}

struct FaultServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Shared mutable state of a fault server.
///
/// `@unchecked Sendable`: every stored property is read and written only while holding `lock`,
/// and the plan's closure is itself `@Sendable`.
final class FaultServerState: @unchecked Sendable {
    let plan: FaultPlan
    private let lock = NSLock()
    private var recorded: [RecordedRequest] = []
    private var stopped = false
    private var open: Set<Int32> = []

    init(plan: FaultPlan) { self.plan = plan }

    var requests: [RecordedRequest] { lock.withLock { recorded } }
    var isStopped: Bool { lock.withLock { stopped } }

    /// Records the request and returns its 0-based index.
    func record(_ request: RecordedRequest) -> Int {
        lock.withLock {
            recorded.append(request)
            return recorded.count - 1
        }
    }

    /// Returns `false` if this call did not change the state (already stopped).
    func markStopped() -> Bool {
        lock.withLock {
            if stopped { return false }
            stopped = true
            return true
        }
    }

    func register(_ fd: Int32) -> Bool {
        lock.withLock {
            if stopped { return false }
            open.insert(fd)
            return true
        }
    }

    /// Closes `fd` unless ``closeConnections()`` already did. Returns whether this call closed it.
    @discardableResult
    func unregisterAndClose(_ fd: Int32, reset: Bool = false) -> Bool {
        lock.withLock {
            guard open.remove(fd) != nil else { return false }
            if reset {
                var linger = linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
            }
            close(fd)
            return true
        }
    }

    func closeConnections() {
        let fds = lock.withLock { open }
        for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
    }
}
