import CandorCore
import Foundation
import PCRE2

/// Everything declared under a Candor root: the taxonomy, probe packs, policies and campaigns,
/// loaded strictly and cross-checked.
///
/// Loading never stops at the first problem: ``load(root:only:)`` returns what it could read and
/// every diagnostic, each naming `file:line:column`, the key and what was expected.
public struct DeclaredData: Sendable {
    public var taxonomy: Taxonomy?
    /// Packs in id order.
    public var packs: [ProbePack]
    /// Policies by id.
    public var policies: [String: Policy]
    /// Campaigns in name order.
    public var campaigns: [Campaign]
    /// The file each pack, policy and campaign came from, by `probes/<id>`, `policies/<id>`, `audits/<name>`.
    public var sources: [String: URL]

    public init() {
        packs = []
        policies = [:]
        campaigns = []
        sources = [:]
    }

    /// The folder names under a root, by kind.
    public static let probesFolder = "probes"
    public static let policiesFolder = "policies"
    public static let auditsFolder = "audits"
    public static let taxonomyFile = "taxonomy.yaml"

    public func pack(_ id: String) -> ProbePack? { packs.first { $0.id == id } }
    public func campaign(_ name: String) -> Campaign? { campaigns.first { $0.name == name } }

    /// The probe a reference names, if loaded.
    public func probe(_ reference: ProbeReference) -> Probe? {
        pack(reference.pack)?.probes.first { $0.id == reference.probe }
    }

    /// Loads every file under `root`'s `probes/`, `policies/` and `audits/` folders.
    /// - Parameters:
    ///   - only: when given, only diagnostics for these files are returned (the rest of the root
    ///     is still read so references resolve).
    ///   - answerModels: `false` leaves each policy's `answer_model` file unread (the policy gets
    ///     none): what retraining needs, since the file it replaces may no longer decode.
    public static func load(root: URL, only: [URL]? = nil, answerModels: Bool = true) -> (data: DeclaredData, diagnostics: [Diagnostic]) {
        var loader = Loader(root: root, readsAnswerModels: answerModels)
        loader.run()
        var diagnostics = loader.diagnostics
        if let only {
            let wanted = Set(only.map { loader.displayPath(of: $0) })
            diagnostics = diagnostics.filter { wanted.contains($0.file) }
        }
        return (loader.data, diagnostics.sorted())
    }

    /// Loads `root`, throwing ``ValidationFailure`` with every diagnostic if there is any.
    public static func loadValid(root: URL) throws(ValidationFailure) -> DeclaredData {
        let (data, diagnostics) = load(root: root)
        guard diagnostics.isEmpty else { throw ValidationFailure(diagnostics: diagnostics) }
        return data
    }
}

/// One loading pass: reads files, then checks references across them.
private struct Loader {
    let root: URL
    let readsAnswerModels: Bool
    var data = DeclaredData()
    var diagnostics: [Diagnostic] = []
    private var packValues: [String: (file: String, values: [String: ProbePackFormat.ProbeValues], sink: DiagnosticSink)] = [:]
    private var campaignValues: [(file: String, decoded: CampaignFormat.Decoded, sink: DiagnosticSink)] = []
    private var taxonomyFile: String?

    init(root: URL, readsAnswerModels: Bool) {
        self.root = root.standardizedFileURL
        self.readsAnswerModels = readsAnswerModels
    }

    func displayPath(of url: URL) -> String {
        let path = url.standardizedFileURL.path
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return path.hasPrefix(rootPath) ? String(path.dropFirst(rootPath.count)) : path
    }

    mutating func run() {
        let probeFiles = yamlFiles(in: DeclaredData.probesFolder)
        let taxonomyURL = root.appending(path: DeclaredData.probesFolder).appending(path: DeclaredData.taxonomyFile)
        if probeFiles.contains(where: { $0.lastPathComponent == DeclaredData.taxonomyFile }) {
            loadTaxonomy(taxonomyURL)
        } else if !probeFiles.isEmpty {
            diagnostics.append(Diagnostic(
                file: displayPath(of: taxonomyURL), line: 0, column: 0, keyPath: "",
                message: "missing: probe packs need a taxonomy file declaring categories, topics and tags"
            ))
        }
        for url in probeFiles where url.lastPathComponent != DeclaredData.taxonomyFile {
            loadPack(url)
        }
        for url in yamlFiles(in: DeclaredData.policiesFolder) { loadPolicy(url) }
        for url in yamlFiles(in: DeclaredData.auditsFolder) { loadCampaign(url) }
        checkPackReferences()
        checkCampaignReferences()
    }

    private func yamlFiles(in folder: String) -> [URL] {
        let directory = root.appending(path: folder)
        let contents = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return contents.filter { ["yaml", "yml"].contains($0.pathExtension) }.sorted { $0.deletingPathExtension().lastPathComponent < $1.deletingPathExtension().lastPathComponent }
    }

    private func root(of url: URL, sink: DiagnosticSink) -> YAMLValue? {
        guard let text = YAMLDocument.read(url, displayPath: sink.file, sink: sink) else { return nil }
        return YAMLDocument.root(of: text, sink: sink)
    }

    private mutating func loadTaxonomy(_ url: URL) {
        let sink = DiagnosticSink(file: displayPath(of: url))
        taxonomyFile = sink.file
        if let value = root(of: url, sink: sink) { data.taxonomy = TaxonomyFormat.decode(value) }
        diagnostics += sink.diagnostics
    }

    private mutating func loadPack(_ url: URL) {
        let sink = DiagnosticSink(file: displayPath(of: url))
        let id = url.deletingPathExtension().lastPathComponent
        if let value = root(of: url, sink: sink), let decoded = ProbePackFormat.decode(value, expectedID: id) {
            data.packs.append(decoded.pack)
            data.sources["probes/\(decoded.pack.id)"] = url
            packValues[decoded.pack.id] = (sink.file, decoded.probeValues, sink)
        } else {
            diagnostics += sink.diagnostics
        }
    }

    private mutating func loadPolicy(_ url: URL) {
        let sink = DiagnosticSink(file: displayPath(of: url))
        let id = url.deletingPathExtension().lastPathComponent
        if let value = root(of: url, sink: sink), let decoded = PolicyFormat.decode(value, expectedID: id, fileURL: url, readsAnswerModel: readsAnswerModels) {
            for detector in decoded.policy.regexDetectors {
                var options: PCRE2Regex.Options = [.unicodeProperties]
                if detector.caseless { options.insert(.caseless) }
                do {
                    _ = try PCRE2Regex(detector.pattern, options: options, id: detector.id)
                } catch {
                    decoded.patternValues[detector.id]?.report(
                        "pattern of detector '\(detector.id)' does not compile at offset \(error.offset ?? 0): \(error.message)"
                    )
                }
            }
            data.policies[decoded.policy.id] = decoded.policy
            data.sources["policies/\(decoded.policy.id)"] = url
        }
        diagnostics += sink.diagnostics
    }

    private mutating func loadCampaign(_ url: URL) {
        let sink = DiagnosticSink(file: displayPath(of: url))
        let name = url.deletingPathExtension().lastPathComponent
        if let value = root(of: url, sink: sink), let decoded = CampaignFormat.decode(value, expectedName: name) {
            data.campaigns.append(decoded.campaign)
            data.sources["audits/\(decoded.campaign.name)"] = url
            campaignValues.append((sink.file, decoded, sink))
        } else {
            diagnostics += sink.diagnostics
        }
    }

    /// Taxonomy values and `control_for` links of every pack.
    private mutating func checkPackReferences() {
        let taxonomy = data.taxonomy
        for pack in data.packs {
            guard let entry = packValues[pack.id] else { continue }
            let sink = entry.sink
            for probe in pack.probes {
                let values = entry.values[probe.id]
                if let taxonomy {
                    if !taxonomy.categoryIDs.contains(probe.category) {
                        values?.category?.report("category '\(probe.category)' is not in \(taxonomyFile ?? "the taxonomy") (known: \(taxonomy.categoryIDs.sorted().joined(separator: ", ")))")
                    }
                    if !taxonomy.topicIDs.contains(probe.topic) {
                        values?.topic?.report("topic '\(probe.topic)' is not in \(taxonomyFile ?? "the taxonomy"); add it there or fix the spelling")
                    }
                    for (index, tag) in probe.tags.enumerated() where !taxonomy.tagIDs.contains(tag) {
                        let tagValue = values?.tags?.sequence()?[index]
                        (tagValue ?? values?.tags)?.report("tag '\(tag)' is not in \(taxonomyFile ?? "the taxonomy")")
                    }
                }
                if let reference = probe.controlFor {
                    if reference == pack.reference(to: probe) {
                        values?.controlFor?.report("a probe cannot be its own control")
                    } else if data.probe(reference) == nil {
                        let known = data.pack(reference.pack) == nil ? "no pack '\(reference.pack)' is loaded" : "pack '\(reference.pack)' has no probe '\(reference.probe)'"
                        values?.controlFor?.report("control_for '\(reference)' does not resolve: \(known)")
                    }
                }
            }
            diagnostics += sink.diagnostics
        }
    }

    /// Policy, pack, taxonomy and mutator references of every campaign.
    private mutating func checkCampaignReferences() {
        for (_, decoded, sink) in campaignValues {
            let campaign = decoded.campaign
            if data.policies[campaign.policy] == nil {
                decoded.policyValue?.report("policy '\(campaign.policy)' does not exist (known: \(data.policies.keys.sorted().joined(separator: ", ")); expected policies/\(campaign.policy).yaml)")
            }
            let packIDs = Set(data.packs.map(\.id))
            check(decoded.selectionValues["packs"], values: campaign.selection.packs, known: packIDs, what: "pack")
            if let taxonomy = data.taxonomy {
                check(decoded.selectionValues["categories"], values: campaign.selection.categories, known: taxonomy.categoryIDs, what: "category")
                check(decoded.selectionValues["topics"], values: campaign.selection.topics, known: taxonomy.topicIDs, what: "topic")
                check(decoded.selectionValues["tags"], values: campaign.selection.tags, known: taxonomy.tagIDs, what: "tag")
            }
            let mutatorIDs = Set(Mutator.allCases.map(\.rawValue))
            for value in decoded.mutatorValues {
                guard let id = value.string(), !mutatorIDs.contains(id) else { continue }
                value.report("unknown mutator '\(id)'; expected one of: \(Mutator.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !sink.hasErrors, campaign.selection.apply(to: data.packs).isEmpty, !data.packs.isEmpty {
                (decoded.selectionValues["packs"] ?? decoded.policyValue)?.report("the selection matches no probe")
            }
            diagnostics += sink.diagnostics
        }
    }

    private func check(_ listValue: YAMLValue?, values: [String], known: Set<String>, what: String) {
        guard let listValue, let elements = listValue.sequence() else { return }
        for (element, value) in zip(elements, values) where !known.contains(value) {
            element.report("unknown \(what) '\(value)' (known: \(known.sorted().joined(separator: ", ")))")
        }
    }
}
