import CandorCore

/// Reads `audits/<campaign>.yaml`. References to packs, policies, taxonomy values and mutators
/// are checked by ``DeclaredData``.
enum CampaignFormat {
    struct Decoded {
        var campaign: Campaign
        var policyValue: YAMLValue?
        var selectionValues: [String: YAMLValue]
        var mutatorValues: [YAMLValue]
    }

    static let keys = [
        "name", "description", "targets", "select", "mutators", "include_unmutated", "samples", "decoding",
        "concurrency", "rate_limit", "timeout", "retries", "policy", "schedule",
    ]

    static func decode(_ root: YAMLValue, expectedName: String) -> Decoded? {
        guard let mapping = root.mapping(allowed: keys) else { return nil }
        let nameValue = mapping.required("name")
        let name = nameValue?.identifier()
        if let name, name != expectedName {
            nameValue?.report("campaign name '\(name)' must equal the file name '\(expectedName)'")
        }
        let description = mapping.required("description")?.string()
        let targets = mapping.required("targets").flatMap(decodeTargets)
        var selectionValues: [String: YAMLValue] = [:]
        let selection = mapping["select"].map { decodeSelection($0, values: &selectionValues) } ?? ProbeSelection()
        let mutatorValues = mapping["mutators"]?.sequence() ?? []
        let mutators = mutatorValues.compactMap { $0.identifier() }
        let includeUnmutated = mapping["include_unmutated"].map { $0.bool() } ?? true
        let samples = mapping["samples"].map { $0.int(in: 1...1000) } ?? 1
        let decoding = mapping["decoding"].map(decodeDecoding) ?? DecodingParameters()
        let concurrency = mapping["concurrency"].map { $0.int(in: 1...1024) } ?? 4
        let rateLimit: Double?? = mapping["rate_limit"].map { $0.double(in: 0.001...100_000) }
        let timeout = mapping["timeout"].map { $0.double(in: 0.1...86_400) } ?? 120
        let retries = mapping["retries"].map { $0.int(in: 0...20) } ?? 3
        let policyValue = mapping.required("policy")
        let policy = policyValue?.identifier()
        var schedule: String?
        if let value = mapping["schedule"], let text = value.string() {
            if let problem = CronCheck.problem(in: text) {
                value.report("invalid cron schedule '\(text)': \(problem)")
            } else {
                schedule = text
            }
        }
        if let includeUnmutated, !includeUnmutated, mutators.isEmpty {
            mapping["include_unmutated"]?.report("include_unmutated: false needs at least one mutator")
        }
        guard let name, let description, let targets, let selection, let includeUnmutated, let samples, let decoding,
              let concurrency, let timeout, let retries, let policy
        else { return nil }
        if case .some(.none) = rateLimit { return nil }
        let campaign = Campaign(
            name: name, description: description, targets: targets, selection: selection, mutators: mutators,
            includeUnmutated: includeUnmutated, samples: samples, decoding: decoding, concurrency: concurrency,
            rateLimit: rateLimit ?? nil, timeoutSeconds: timeout, retries: retries, policy: policy, schedule: schedule
        )
        return Decoded(campaign: campaign, policyValue: policyValue, selectionValues: selectionValues, mutatorValues: mutatorValues)
    }

    private static func decodeTargets(_ value: YAMLValue) -> [TargetDescription]? {
        guard let items = value.sequence() else { return nil }
        if items.isEmpty {
            value.report("a campaign needs at least one target")
            return nil
        }
        var seen: Set<String> = []
        let targets = items.compactMap { item -> TargetDescription? in
            guard let mapping = item.mapping(allowed: ["name", "model", "openai", "ollama", "system_prompt"]) else { return nil }
            let nameValue = mapping.required("name")
            let name = nameValue?.identifier()
            let systemPrompt = mapping["system_prompt"]?.string()
            let kinds = ["model", "openai", "ollama"].filter { mapping[$0] != nil }
            guard kinds.count == 1 else {
                mapping.owner.report("a target needs exactly one of model, openai, ollama; found \(kinds.isEmpty ? "none" : kinds.joined(separator: ", "))")
                return nil
            }
            var kind: TargetDescription.Kind?
            if let model = mapping["model"]?.string() {
                kind = .bundled(model: model)
            } else if let endpoint = mapping["openai"]?.mapping(allowed: ["base_url", "model", "api_key_env"]) {
                let baseURL = endpoint.required("base_url").flatMap(httpURL)
                let model = endpoint.required("model")?.string()
                let keyVariable = endpoint["api_key_env"]?.string()
                if let baseURL, let model { kind = .openAICompatible(baseURL: baseURL, model: model, apiKeyEnvironmentVariable: keyVariable) }
            } else if let endpoint = mapping["ollama"]?.mapping(allowed: ["base_url", "model"]) {
                let baseURL = endpoint.required("base_url").flatMap(httpURL)
                let model = endpoint.required("model")?.string()
                if let baseURL, let model { kind = .ollama(baseURL: baseURL, model: model) }
            }
            guard let name, let kind else { return nil }
            guard seen.insert(name).inserted else {
                nameValue?.report("duplicate target name '\(name)'")
                return nil
            }
            return TargetDescription(name: name, kind: kind, systemPrompt: systemPrompt)
        }
        return targets.count == items.count ? targets : nil
    }

    private static func httpURL(_ value: YAMLValue) -> String? {
        guard let text = value.string() else { return nil }
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), text.count > 8 else {
            value.report("expected an http:// or https:// URL, got '\(text)'")
            return nil
        }
        return text
    }

    private static func decodeSelection(_ value: YAMLValue, values: inout [String: YAMLValue]) -> ProbeSelection? {
        let keys = ["packs", "categories", "topics", "languages", "tags", "limit_per_pack"]
        guard let mapping = value.mapping(allowed: keys) else { return nil }
        for key in keys { values[key] = mapping[key] }
        let packs = mapping["packs"]?.stringList() ?? []
        let categories = mapping["categories"]?.stringList() ?? []
        let topics = mapping["topics"]?.stringList() ?? []
        let languages = mapping["languages"]?.sequence()?.compactMap(ProbePackFormat.languageTag) ?? []
        let tags = mapping["tags"]?.stringList() ?? []
        let limit: Int?? = mapping["limit_per_pack"].map { $0.int(in: 1...1_000_000) }
        if case .some(.none) = limit { return nil }
        return ProbeSelection(packs: packs, categories: categories, topics: topics, languages: languages, tags: tags, limitPerPack: limit ?? nil)
    }

    private static func decodeDecoding(_ value: YAMLValue) -> DecodingParameters? {
        guard let mapping = value.mapping(allowed: ["max_tokens", "temperature", "top_p", "seed"]) else { return nil }
        let defaults = DecodingParameters()
        let maxTokens = mapping["max_tokens"].map { $0.int(in: 1...32_768) } ?? defaults.maxTokens
        let temperature = mapping["temperature"].map { $0.double(in: 0...5) } ?? defaults.temperature
        let topP = mapping["top_p"].map { $0.double(in: 0.001...1) } ?? defaults.topP
        let seed = mapping["seed"].map { $0.uint64() } ?? defaults.seed
        guard let maxTokens, let temperature, let topP, let seed else { return nil }
        return DecodingParameters(maxTokens: maxTokens, temperature: temperature, topP: topP, seed: seed)
    }
}
