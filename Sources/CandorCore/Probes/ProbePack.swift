/// A versioned set of probes, declared in `probes/<pack>.yaml`.
public struct ProbePack: Sendable, Hashable, Codable {
    /// The pack id; equals the file's base name.
    public var id: String
    /// The author's version string (for example `2026.11`); content hashes identify exact contents.
    public var version: String
    public var description: String
    public var probes: [Probe]

    public init(id: String, version: String, description: String, probes: [Probe]) {
        self.id = id
        self.version = version
        self.description = description
        self.probes = probes
    }

    /// The qualified reference of one of this pack's probes.
    public func reference(to probe: Probe) -> ProbeReference {
        ProbeReference(pack: id, probe: probe.id)
    }
}
