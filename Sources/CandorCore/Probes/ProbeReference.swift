/// A probe's qualified name, `pack/probe-id`, as written in `control_for:` and shown in reports.
public struct ProbeReference: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var pack: String
    public var probe: String

    public init(pack: String, probe: String) {
        self.pack = pack
        self.probe = probe
    }

    /// Parses `pack/probe-id`; `nil` unless there is exactly one `/` with text on both sides.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.init(pack: String(parts[0]), probe: String(parts[1]))
    }

    public var description: String { "\(pack)/\(probe)" }

    public static func < (lhs: ProbeReference, rhs: ProbeReference) -> Bool {
        (lhs.pack, lhs.probe) < (rhs.pack, rhs.probe)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let reference = ProbeReference(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected pack/probe-id, got '\(text)'"))
        }
        self = reference
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
