/// An audit campaign, declared in `audits/<campaign>.yaml`: which probes go to which targets,
/// how they are mutated and sampled, and which policy judges the answers.
public struct Campaign: Sendable, Hashable, Codable {
    /// Equals the file's base name.
    public var name: String
    public var description: String
    public var targets: [TargetDescription]
    public var selection: ProbeSelection
    /// Mutator ids applied to every selected probe; `identity` (the probe as written) is implied
    /// unless `includeUnmutated` is false.
    public var mutators: [String]
    public var includeUnmutated: Bool
    /// Samples per (probe, mutator, target).
    public var samples: Int
    public var decoding: DecodingParameters
    /// Attempts in flight per target.
    public var concurrency: Int
    /// Requests per second per target, or `nil` for no limit.
    public var rateLimit: Double?
    /// Per-attempt timeout in seconds.
    public var timeoutSeconds: Double
    /// Retries after the first try, for retryable failures only.
    public var retries: Int
    /// The policy id (`policies/<id>.yaml`).
    public var policy: String
    /// A five-field cron expression for recurring runs, or `nil`.
    public var schedule: String?

    public init(
        name: String, description: String, targets: [TargetDescription], selection: ProbeSelection,
        mutators: [String] = [], includeUnmutated: Bool = true, samples: Int = 1,
        decoding: DecodingParameters = .init(), concurrency: Int = 4, rateLimit: Double? = nil,
        timeoutSeconds: Double = 120, retries: Int = 3, policy: String, schedule: String? = nil
    ) {
        self.name = name
        self.description = description
        self.targets = targets
        self.selection = selection
        self.mutators = mutators
        self.includeUnmutated = includeUnmutated
        self.samples = samples
        self.decoding = decoding
        self.concurrency = concurrency
        self.rateLimit = rateLimit
        self.timeoutSeconds = timeoutSeconds
        self.retries = retries
        self.policy = policy
        self.schedule = schedule
    }
}

/// Which probes a campaign selects. Every non-empty list filters; empty lists select everything.
public struct ProbeSelection: Sendable, Hashable, Codable {
    public var packs: [String]
    public var categories: [String]
    public var topics: [String]
    public var languages: [LanguageTag]
    public var tags: [String]
    /// At most this many probes per pack (in file order), for quick subsets; `nil` for all.
    public var limitPerPack: Int?

    public init(
        packs: [String] = [], categories: [String] = [], topics: [String] = [],
        languages: [LanguageTag] = [], tags: [String] = [], limitPerPack: Int? = nil
    ) {
        self.packs = packs
        self.categories = categories
        self.topics = topics
        self.languages = languages
        self.tags = tags
        self.limitPerPack = limitPerPack
    }

    /// Whether `probe` from pack `pack` is selected (ignoring `limitPerPack`).
    public func selects(_ probe: Probe, inPack pack: String) -> Bool {
        (packs.isEmpty || packs.contains(pack))
            && (categories.isEmpty || categories.contains(probe.category))
            && (topics.isEmpty || topics.contains(probe.topic))
            && (languages.isEmpty || languages.contains(probe.language))
            && (tags.isEmpty || !Set(tags).isDisjoint(with: probe.tags))
    }

    /// The selected probes of `packs`, in pack then file order, honouring `limitPerPack`.
    public func apply(to packs: [ProbePack]) -> [(pack: ProbePack, probe: Probe)] {
        packs.flatMap { pack in
            let chosen = pack.probes.filter { selects($0, inPack: pack.id) }
            return chosen.prefix(limitPerPack ?? chosen.count).map { (pack, $0) }
        }
    }
}

/// Decoding parameters sent with every request of a campaign.
public struct DecodingParameters: Sendable, Hashable, Codable {
    public var maxTokens: Int
    public var temperature: Double
    public var topP: Double
    /// The run seed; each attempt's seed derives from it and the attempt's key.
    public var seed: UInt64

    public init(maxTokens: Int = 256, temperature: Double = 0, topP: Double = 1, seed: UInt64 = 0) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
    }
}
