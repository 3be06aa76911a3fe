import Foundation

/// One execution of a campaign against one target.
public struct Run: Sendable, Hashable, Codable {
    public var id: Int64
    public var campaign: String
    public var target: String
    public var model: ModelIdentity
    /// Hash of the campaign file, the selected probe versions and the policy version: a run is
    /// only resumed while this is unchanged.
    public var configHash: String
    public var seed: UInt64
    public var status: RunStatus
    public var startedAt: Date
    public var finishedAt: Date?

    public init(
        id: Int64, campaign: String, target: String, model: ModelIdentity, configHash: String,
        seed: UInt64, status: RunStatus, startedAt: Date, finishedAt: Date? = nil
    ) {
        self.id = id
        self.campaign = campaign
        self.target = target
        self.model = model
        self.configHash = configHash
        self.seed = seed
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, running, interrupted, completed, failed, cancelled
}

/// What exactly was audited: a model file by its SHA-256, or an endpoint by its model string.
public struct ModelIdentity: Sendable, Hashable, Codable {
    /// Display name (`qwen2.5-coder-0.5b-instruct`).
    public var name: String
    /// `bundled`, `openai-compatible` or `ollama`.
    public var source: String
    /// The file's SHA-256 for local models, the endpoint's model string otherwise.
    public var fingerprint: String
    /// Free-form parameters (architecture, quantization, base URL, system prompt ...).
    public var parameters: [String: String]

    public init(name: String, source: String, fingerprint: String, parameters: [String: String] = [:]) {
        self.name = name
        self.source = source
        self.fingerprint = fingerprint
        self.parameters = parameters
    }
}
