/// An attempt together with its verdict and the probe it came from: the unit reports list.
public struct Finding: Sendable, Hashable, Codable {
    public var attempt: Attempt
    public var probe: Probe
    public var verdict: Verdict?

    public init(attempt: Attempt, probe: Probe, verdict: Verdict?) {
        self.attempt = attempt
        self.probe = probe
        self.verdict = verdict
    }
}
