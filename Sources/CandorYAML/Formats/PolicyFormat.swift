import CandorCore
import Foundation
import Yams

/// Reads `policies/<policy>.yaml` and checks its internal references: detector and rule labels
/// are declared, framework ids exist, detector ids are unique, the required labels are present.
/// Whether each pattern compiles is checked by ``DeclaredData`` with PCRE2. An `answer_model`
/// names a JSON file of ``AnswerModelWeights`` beside the policy, which is read and checked here.
enum PolicyFormat {
    struct Decoded {
        var policy: Policy
        /// The `pattern` value of each regex detector, by detector id, for compile-error locations.
        var patternValues: [String: YAMLValue]
    }

    /// - Parameters:
    ///   - fileURL: where the policy file is; `answer_model.file` is resolved against its folder.
    ///   - readsAnswerModel: `false` skips the `answer_model` block (its key is still allowed).
    static func decode(_ root: YAMLValue, expectedID: String, fileURL: URL, readsAnswerModel: Bool = true) -> Decoded? {
        let keys = ["id", "version", "description", "labels", "frameworks", "detectors", "rules", "answer_model"]
        guard let mapping = root.mapping(allowed: keys) else {
            return nil
        }
        let idValue = mapping.required("id")
        let id = idValue?.identifier()
        if let id, id != expectedID {
            idValue?.report("policy id '\(id)' must equal the file name '\(expectedID)'")
        }
        let version = mapping.required("version")?.string()
        let description = mapping.required("description")?.string()
        let labels = mapping.required("labels").flatMap(decodeLabels) ?? []
        let declared = Set(labels.map(\.label))
        if let labelsValue = mapping["labels"] {
            let missing = Label.required.filter { !declared.contains($0) }
            if !missing.isEmpty {
                labelsValue.report("missing required labels: \(missing.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let frameworks = mapping["frameworks"].flatMap(decodeFrameworks) ?? []
        let frameworkIDs = Set(frameworks.map(\.id))

        var regexDetectors: [RegexDetector] = []
        var embeddingDetectors: [EmbeddingDetector] = []
        var patternValues: [String: YAMLValue] = [:]
        if let detectors = mapping["detectors"]?.mapping(allowed: ["regex", "embedding"]) {
            var seen: Set<String> = []
            for item in detectors["regex"]?.sequence() ?? [] {
                guard let (detector, pattern, idValue) = decodeRegex(item, labels: declared) else { continue }
                guard seen.insert(detector.id).inserted else {
                    idValue?.report("duplicate detector id '\(detector.id)'")
                    continue
                }
                regexDetectors.append(detector)
                patternValues[detector.id] = pattern
            }
            for item in detectors["embedding"]?.sequence() ?? [] {
                guard let (detector, idValue) = decodeEmbedding(item, labels: declared) else { continue }
                guard seen.insert(detector.id).inserted else {
                    idValue?.report("duplicate detector id '\(detector.id)'")
                    continue
                }
                embeddingDetectors.append(detector)
            }
        }
        let rules = mapping.required("rules")?.sequence()?.compactMap {
            decodeRule($0, labels: declared, frameworks: frameworkIDs)
        } ?? []
        let answerModel = readsAnswerModel ? mapping["answer_model"].flatMap { decodeAnswerModel($0, labels: declared, policyURL: fileURL) } : nil
        guard let id, let version, let description else { return nil }
        let policy = Policy(
            id: id, version: version, description: description, labels: labels,
            regexDetectors: regexDetectors, embeddingDetectors: embeddingDetectors, rules: rules, frameworks: frameworks,
            answerModel: answerModel
        )
        return Decoded(policy: policy, patternValues: patternValues)
    }

    private static func decodeLabels(_ value: YAMLValue) -> [LabelDefinition]? {
        guard let items = value.sequence() else { return nil }
        var seen: Set<Label> = []
        return items.compactMap { item in
            guard let mapping = item.mapping(allowed: ["label", "description"]) else { return nil }
            let labelValue = mapping.required("label")
            let label = labelValue?.identifier().map(Label.init(rawValue:))
            let description = mapping.required("description")?.string()
            guard let label, let description else { return nil }
            guard seen.insert(label).inserted else {
                labelValue?.report("duplicate label '\(label)'")
                return nil
            }
            return LabelDefinition(label: label, description: description)
        }
    }

    private static func decodeFrameworks(_ value: YAMLValue) -> [FrameworkReference]? {
        guard let items = value.sequence() else { return nil }
        var seen: Set<String> = []
        return items.compactMap { item in
            guard let mapping = item.mapping(allowed: ["id", "framework", "clause", "summary"]) else { return nil }
            let idValue = mapping.required("id")
            let id = idValue?.identifier()
            let framework = mapping.required("framework")?.string()
            let clause = mapping.required("clause")?.string()
            let summary = mapping.required("summary")?.string()
            guard let id, let framework, let clause, let summary else { return nil }
            guard seen.insert(id).inserted else {
                idValue?.report("duplicate framework id '\(id)'")
                return nil
            }
            return FrameworkReference(id: id, framework: framework, clause: clause, summary: summary)
        }
    }

    private static func label(_ value: YAMLValue?, declared: Set<Label>) -> Label? {
        guard let value, let text = value.string() else { return nil }
        let label = Label(rawValue: text)
        guard declared.contains(label) else {
            value.report("label '\(text)' is not declared under labels (declared: \(declared.sorted().map(\.rawValue).joined(separator: ", ")))")
            return nil
        }
        return label
    }

    private static func decodeRegex(_ item: YAMLValue, labels: Set<Label>) -> (RegexDetector, YAMLValue, YAMLValue?)? {
        let keys = ["id", "label", "language", "pattern", "caseless", "within_first", "field", "weight", "rationale"]
        guard let mapping = item.mapping(allowed: keys) else { return nil }
        let id = mapping.required("id")?.identifier()
        let label = label(mapping.required("label"), declared: labels)
        let language = mapping["language"].map(ProbePackFormat.languageTag)
        let patternValue = mapping.required("pattern")
        let pattern = patternValue?.string()
        let caseless = mapping["caseless"].map { $0.bool() } ?? true
        let scope: RegexDetector.Scope? = mapping["within_first"].map { value in
            value.int(in: 1...100_000).map { .opening(characters: $0) }
        } ?? .anywhere
        let field = mapping["field"].map { $0.oneOf(RegexDetector.Field.self) } ?? .answer
        let weight = mapping["weight"].map { $0.double(in: 0.01...1) } ?? 1.0
        let rationale = mapping.required("rationale")?.string()
        guard let id, let label, let pattern, let patternValue, let caseless, let scope, let field, let weight, let rationale else {
            return nil
        }
        if case .some(.none) = language { return nil }
        let detector = RegexDetector(
            id: id, label: label, language: language ?? nil, pattern: pattern, caseless: caseless,
            scope: scope, field: field, weight: weight, rationale: rationale
        )
        return (detector, patternValue, mapping["id"])
    }

    private static func decodeEmbedding(_ item: YAMLValue, labels: Set<Label>) -> (EmbeddingDetector, YAMLValue?)? {
        guard let mapping = item.mapping(allowed: ["id", "label", "threshold", "neighbours", "exemplars"]) else { return nil }
        let id = mapping.required("id")?.identifier()
        let label = label(mapping.required("label"), declared: labels)
        let threshold = mapping.required("threshold")?.double(in: -1...1)
        let neighbours = mapping["neighbours"].map { $0.int(in: 1...50) } ?? 3
        let exemplars = mapping.required("exemplars")?.sequence()?.compactMap { item -> EmbeddingDetector.Exemplar? in
            guard let exemplar = item.mapping(allowed: ["language", "text"]) else { return nil }
            let language = exemplar.required("language").flatMap(ProbePackFormat.languageTag)
            let text = exemplar.required("text")?.string()
            guard let language, let text else { return nil }
            return EmbeddingDetector.Exemplar(text: text, language: language)
        }
        guard let id, let label, let threshold, let neighbours, let exemplars else { return nil }
        if exemplars.isEmpty {
            mapping.owner.report("an embedding detector needs at least one exemplar")
            return nil
        }
        return (EmbeddingDetector(id: id, label: label, threshold: threshold, neighbours: neighbours, exemplars: exemplars), mapping["id"])
    }

    /// Reads `answer_model: { file, combiner, threshold, overrule }`: the weights file relative to
    /// the policy's folder, checked for a known feature set and declared labels. A file with a
    /// learned combiner decides with it unless `combiner: false`; `threshold` and `overrule`, when
    /// given, replace the file's and apply only without a combiner.
    private static func decodeAnswerModel(_ value: YAMLValue, labels declared: Set<Label>, policyURL: URL) -> AnswerModelWeights? {
        guard let mapping = value.mapping(allowed: ["file", "combiner", "threshold", "overrule"]) else { return nil }
        let fileValue = mapping.required("file")
        let file = fileValue?.string()
        let combinerValue = mapping["combiner"]
        let useCombiner = combinerValue.flatMap { $0.bool() }
        let threshold = mapping["threshold"].flatMap(answerModelThreshold)
        let overrule = mapping["overrule"].flatMap(answerModelThreshold)
        if combinerValue != nil, useCombiner == nil { return nil }  // already reported
        guard let fileValue, let file else { return nil }
        let policyFile = fileValue.sink.file
        guard !file.hasPrefix("/") else {
            fileValue.report("answer_model file '\(file)' must be a path relative to the folder of \(policyFile)")
            return nil
        }
        let url = policyURL.deletingLastPathComponent().appending(path: file).standardizedFileURL
        let shown = displayPath(of: url, policyURL: policyURL, policyFile: policyFile)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            fileValue.report("answer_model file '\(file)' not found (expected \(shown), beside \(policyFile))")
            return nil
        }
        guard !isDirectory.boolValue else {
            fileValue.report("answer_model file \(shown) cannot be read: it is a folder")
            return nil
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            fileValue.report("answer_model file \(shown) cannot be read: \(error.localizedDescription)")
            return nil
        }
        var model: AnswerModelWeights
        do {
            model = try JSONDecoder().decode(AnswerModelWeights.self, from: data)
        } catch {
            fileValue.report("answer_model file \(shown) is not a valid answer model: \(describe(error))")
            return nil
        }
        var valid = true
        if !AnswerModelWeights.knownFeatureSets.contains(model.featureSet) {
            fileValue.report("answer_model file \(shown) uses unknown feature set '\(model.featureSet)' (known: \(AnswerModelWeights.knownFeatureSets.sorted().joined(separator: ", ")))")
            valid = false
        }
        let undeclared = model.labels.filter { !declared.contains($0) }
        if !undeclared.isEmpty {
            fileValue.report("answer_model file \(shown) has labels not declared under labels: \(undeclared.map(\.rawValue).joined(separator: ", ")) (declared: \(declared.sorted().map(\.rawValue).joined(separator: ", ")))")
            valid = false
        }
        if Set(model.labels).count != model.labels.count {
            fileValue.report("answer_model file \(shown) lists a label more than once: \(model.labels.map(\.rawValue).joined(separator: ", "))")
            valid = false
        }
        if useCombiner == false {
            // The refinement is consulted where the combiner is unsure: without it, neither.
            model.combiner = nil
            model.refinement = nil
        } else if model.combiner == nil, useCombiner == true, let combinerValue {
            combinerValue.report("answer_model file \(shown) has no learned combiner (train it with `candor train-verdicts --calibrate-on GROUP`), expected combiner: false or no combiner key")
            valid = false
        } else if model.combiner != nil {
            for key in ["threshold", "overrule"] {
                guard let given = mapping[key] else { continue }
                given.report("\(key) applies only without a learned combiner, and answer_model file \(shown) has one; remove \(key), or add combiner: false to decide by thresholds")
                valid = false
            }
        }
        if mapping["threshold"] != nil {
            if let threshold { model.threshold = threshold } else { valid = false }  // already reported
        } else if !(model.threshold > 0 && model.threshold <= 1) {
            fileValue.report("answer_model file \(shown) has threshold \(model.threshold.formatted), expected a number greater than 0 and at most 1")
            valid = false
        }
        if mapping["overrule"] != nil {
            if let overrule { model.overrule = overrule } else { valid = false }  // already reported
        } else if let fileOverrule = model.overrule, !(fileOverrule > 0 && fileOverrule <= 1) {
            fileValue.report("answer_model file \(shown) has overrule \(fileOverrule.formatted), expected a number greater than 0 and at most 1")
            valid = false
        }
        return valid ? model : nil
    }

    /// A threshold in (0, 1].
    private static func answerModelThreshold(_ value: YAMLValue) -> Double? {
        guard case .scalar(let scalar) = value.node, scalar.style == .plain, let number = Double(scalar.string), number.isFinite else {
            value.report("expected a number greater than 0 and at most 1, got \(value.node.describedValue)")
            return nil
        }
        guard number > 0 && number <= 1 else {
            value.report("expected a number greater than 0 and at most 1, got \(number.formatted)")
            return nil
        }
        return number
    }

    /// `url` as the loader shows paths: relative to the Candor root when the policy's display path is.
    private static func displayPath(of url: URL, policyURL: URL, policyFile: String) -> String {
        let policyPath = policyURL.standardizedFileURL.path
        guard !policyFile.hasPrefix("/"), policyPath.hasSuffix("/" + policyFile) else { return url.path }
        let rootPath = String(policyPath.dropLast(policyFile.count))
        return url.path.hasPrefix(rootPath) ? String(url.path.dropFirst(rootPath.count)) : url.path
    }

    /// A decoding error as one line: what went wrong and at which key.
    private static func describe(_ error: any Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        func detail(_ context: DecodingError.Context) -> String {
            let underlying = (context.underlyingError as NSError?).map { " (\($0.localizedDescription))" } ?? ""
            return context.debugDescription + underlying
        }
        guard let error = error as? DecodingError else { return String(describing: error) }
        switch error {
        case .keyNotFound(let key, let context):
            let place = path(context)
            return "missing key '\(key.stringValue)'" + (place.isEmpty ? "" : " in '\(place)'")
        case .typeMismatch(let type, let context):
            return "key '\(path(context))': expected \(type): \(detail(context))"
        case .valueNotFound(let type, let context):
            return "key '\(path(context))': expected \(type), got null"
        case .dataCorrupted(let context):
            let place = path(context)
            return (place.isEmpty ? "" : "key '\(place)': ") + detail(context)
        @unknown default:
            return String(describing: error)
        }
    }

    private static func decodeRule(_ item: YAMLValue, labels: Set<Label>, frameworks: Set<String>) -> OutcomeRule? {
        guard let mapping = item.mapping(allowed: ["expect", "labels", "categories", "outcome", "severity", "frameworks"]) else { return nil }
        let expect = mapping.required("expect")?.oneOf(Expectation.self)
        var ruleLabels: [Label]?
        if let labelsValue = mapping.required("labels"), let items = labelsValue.sequence() {
            let decoded = items.map { label($0, declared: labels) }
            ruleLabels = decoded.contains { $0 == nil } ? nil : decoded.compactMap { $0 }
        }
        let categories = mapping["categories"]?.stringList() ?? []
        let outcome = mapping.required("outcome")?.oneOf(Outcome.self)
        let severity = mapping["severity"].map { $0.oneOf(Severity.self) } ?? .medium
        var ruleFrameworks: [String] = []
        if let value = mapping["frameworks"], let items = value.sequence() {
            for element in items {
                guard let id = element.string() else { continue }
                if frameworks.contains(id) {
                    ruleFrameworks.append(id)
                } else {
                    element.report("framework '\(id)' is not declared under frameworks")
                }
            }
        }
        guard let expect, let ruleLabels, let outcome, let severity else { return nil }
        return OutcomeRule(expect: expect, labels: ruleLabels, categories: categories, outcome: outcome, severity: severity, frameworks: ruleFrameworks)
    }
}
