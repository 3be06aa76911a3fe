/// A model Candor can send a probe to: the bundled engine in-process, or an HTTP endpoint.
///
/// Implementations live in CandorTargets; the scheduler only sees this protocol, so it is
/// tested against in-process fakes and real servers alike. A target must be safe to call from
/// many tasks at once: the scheduler bounds the concurrency.
public protocol AuditTarget: Sendable {
    /// The campaign's name for this target.
    var name: String { get }

    /// What exactly is being audited (file SHA-256 or endpoint model string); may contact the
    /// endpoint once to learn it.
    func identity() async throws(TargetError) -> ModelIdentity

    /// Sends one request and waits for the whole answer.
    /// - Throws: ``TargetError``; its ``TargetError/isRetryable`` tells the scheduler what to do.
    func send(_ request: TargetRequest) async throws(TargetError) -> TargetResponse
}

/// One chat request: an optional system prompt and one user message.
public struct TargetRequest: Sendable, Hashable, Codable {
    public var systemPrompt: String?
    public var prompt: String
    public var maxTokens: Int
    public var temperature: Double
    public var topP: Double
    /// The attempt's seed, derived from the run seed and the attempt key.
    public var seed: UInt64
    /// Seconds before the request is abandoned as a timeout.
    public var timeoutSeconds: Double

    public init(
        systemPrompt: String? = nil, prompt: String, maxTokens: Int, temperature: Double, topP: Double,
        seed: UInt64, timeoutSeconds: Double
    ) {
        self.systemPrompt = systemPrompt
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.timeoutSeconds = timeoutSeconds
    }
}

/// A model's answer.
public struct TargetResponse: Sendable, Hashable, Codable {
    /// The visible answer, with any `<think>` block removed (it goes to `reasoning`).
    public var text: String
    /// Reasoning the model exposed, or `nil`. An empty string means an empty reasoning block.
    public var reasoning: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// The model string the endpoint reported, if any.
    public var reportedModel: String?
    /// `stop`, `length`, ... as reported.
    public var finishReason: String?
    /// The exact request parameters sent, as JSON, for the attempt record.
    public var requestParameters: String

    public init(
        text: String, reasoning: String? = nil, promptTokens: Int? = nil, completionTokens: Int? = nil,
        reportedModel: String? = nil, finishReason: String? = nil, requestParameters: String
    ) {
        self.text = text
        self.reasoning = reasoning
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.reportedModel = reportedModel
        self.finishReason = finishReason
        self.requestParameters = requestParameters
    }
}

/// Why a request failed, classified for the retry policy.
public struct TargetError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No answer within the timeout. Retryable.
        case timeout
        /// Could not connect, or the connection broke. Retryable.
        case connection
        /// HTTP 429; `retryAfter` seconds if the server said. Retryable.
        case rateLimited(retryAfter: Double?)
        /// HTTP 5xx. Retryable.
        case server(status: Int)
        /// Any other HTTP 4xx: the request itself is wrong. Not retryable.
        case client(status: Int)
        /// A truncated body, invalid JSON, or JSON without an answer. Retryable.
        case invalidResponse
        /// The target cannot be used at all (model file missing, bad configuration). Not retryable.
        case unavailable
        /// The request was cancelled. Not retryable.
        case cancelled
    }

    public var kind: Kind
    /// What happened, without prompt or answer text.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var isRetryable: Bool {
        switch kind {
        case .timeout, .connection, .rateLimited, .server, .invalidResponse: true
        case .client, .unavailable, .cancelled: false
        }
    }

    /// The server's requested delay before the next try, if any.
    public var retryAfter: Double? {
        if case .rateLimited(let seconds) = kind { return seconds }
        return nil
    }

    public var description: String {
        switch kind {
        case .timeout: "timeout: \(message)"
        case .connection: "connection error: \(message)"
        case .rateLimited(let after): "rate limited (HTTP 429\(after.map { ", retry after \($0)s" } ?? "")): \(message)"
        case .server(let status): "server error (HTTP \(status)): \(message)"
        case .client(let status): "request rejected (HTTP \(status)): \(message)"
        case .invalidResponse: "invalid response: \(message)"
        case .unavailable: "target unavailable: \(message)"
        case .cancelled: "cancelled"
        }
    }
}
