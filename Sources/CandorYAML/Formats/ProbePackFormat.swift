import CandorCore

/// Reads `probes/<pack>.yaml`. Cross-file checks (taxonomy values, `control_for`) are done by
/// ``DeclaredData`` once every file is read; this checks one file's own shape and ids.
enum ProbePackFormat {
    static let probeKeys = [
        "id", "text", "language", "topic", "category", "expect", "control_for", "tags", "severity", "notes",
    ]

    /// The pack plus the location of each probe's fields, for cross-reference messages.
    struct Decoded {
        var pack: ProbePack
        var probeValues: [String: ProbeValues]
    }

    struct ProbeValues {
        var id: YAMLValue?
        var topic: YAMLValue?
        var category: YAMLValue?
        var tags: YAMLValue?
        var controlFor: YAMLValue?
    }

    static func decode(_ root: YAMLValue, expectedID: String) -> Decoded? {
        guard let mapping = root.mapping(allowed: ["pack", "version", "description", "probes"]) else { return nil }
        let idValue = mapping.required("pack")
        let id = idValue?.identifier()
        if let id, id != expectedID {
            idValue?.report("pack id '\(id)' must equal the file name '\(expectedID)'")
        }
        let version = mapping.required("version")?.string()
        let description = mapping.required("description")?.string()
        var probes: [Probe] = []
        var values: [String: ProbeValues] = [:]
        if let items = mapping.required("probes")?.sequence() {
            if items.isEmpty { mapping.owner.report("a pack needs at least one probe") }
            for item in items {
                guard let (probe, probeValues) = decodeProbe(item) else { continue }
                if values[probe.id] != nil {
                    probeValues.id?.report("duplicate probe id '\(probe.id)' in pack '\(expectedID)'")
                    continue
                }
                probes.append(probe)
                values[probe.id] = probeValues
            }
        }
        guard let id, let version, let description else { return nil }
        return Decoded(pack: ProbePack(id: id, version: version, description: description, probes: probes), probeValues: values)
    }

    private static func decodeProbe(_ item: YAMLValue) -> (Probe, ProbeValues)? {
        guard let mapping = item.mapping(allowed: probeKeys) else { return nil }
        let id = mapping.required("id")?.identifier()
        let text = mapping.required("text")?.string()
        let language = mapping.required("language").flatMap(languageTag)
        let topic = mapping.required("topic")?.identifier()
        let category = mapping.required("category")?.identifier()
        let expect = mapping.required("expect")?.oneOf(Expectation.self)
        var controlFor: ProbeReference?
        if let value = mapping["control_for"], let text = value.string() {
            controlFor = ProbeReference(text)
            if controlFor == nil { value.report("expected pack/probe-id, got '\(text)'") }
        }
        let tags = mapping["tags"]?.stringList() ?? []
        let severity = mapping["severity"].map { $0.oneOf(Severity.self) } ?? .medium
        let notes = mapping["notes"]?.string()
        guard let id, let text, let language, let topic, let category, let expect, let severity else { return nil }
        let probe = Probe(
            id: id, text: text, language: language, topic: topic, category: category, expect: expect,
            controlFor: controlFor, tags: tags, severity: severity, notes: notes
        )
        let values = ProbeValues(id: mapping["id"], topic: mapping["topic"], category: mapping["category"], tags: mapping["tags"], controlFor: mapping["control_for"])
        return (probe, values)
    }

    static func languageTag(_ value: YAMLValue) -> LanguageTag? {
        guard let text = value.string() else { return nil }
        guard let tag = LanguageTag(rawValue: text) else {
            value.report("expected a BCP-47 language tag such as en or zh-Hans, got '\(text)'")
            return nil
        }
        return tag
    }
}
