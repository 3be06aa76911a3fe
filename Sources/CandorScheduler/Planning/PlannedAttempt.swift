import CandorCore

/// An attempt as planned: everything needed to send it and judge the answer.
public struct PlannedAttempt: Sendable, Hashable {
    public var key: AttemptKey
    public var probe: ProbeReference
    /// The probe as it was when planned (language and expectation are needed to judge).
    public var probeDetails: Probe
    public var mutator: String
    public var request: TargetRequest

    public init(key: AttemptKey, probe: ProbeReference, probeDetails: Probe, mutator: String, request: TargetRequest) {
        self.key = key
        self.probe = probe
        self.probeDetails = probeDetails
        self.mutator = mutator
        self.request = request
    }
}
