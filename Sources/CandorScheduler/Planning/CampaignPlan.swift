import CandorCore

/// Expands a campaign into the attempts of one run against one target:
/// selected probe × mutator × sample, each with its rendered prompt and its own seed.
public enum CampaignPlan {
    /// - Parameters:
    ///   - probeVersions: the content hash of each selected probe (the store computes them).
    ///   - runID: the run the attempts belong to.
    /// - Returns: attempts in a stable order (pack, probe, mutator, sample).
    public static func attempts(
        campaign: Campaign, target: TargetDescription, packs: [ProbePack],
        probeVersions: [ProbeReference: String], runID: Int64, runSeed: UInt64
    ) -> [PlannedAttempt] {
        let mutators = mutatorIDs(of: campaign)
        var planned: [PlannedAttempt] = []
        for (pack, probe) in campaign.selection.apply(to: packs) {
            let reference = pack.reference(to: probe)
            guard let version = probeVersions[reference] else { continue }
            for mutatorID in mutators {
                let mutator = Mutator(rawValue: mutatorID) ?? .identity
                let prompt = mutator.apply(to: probe.text, language: probe.language)
                for sample in 0..<campaign.samples {
                    let key = AttemptKey(runID: runID, probeVersion: version, mutator: mutatorID, sample: sample)
                    let request = TargetRequest(
                        systemPrompt: target.systemPrompt, prompt: prompt, maxTokens: campaign.decoding.maxTokens,
                        temperature: campaign.decoding.temperature, topP: campaign.decoding.topP,
                        seed: attemptSeed(runSeed: runSeed, probeVersion: version, mutator: mutatorID, sample: sample),
                        timeoutSeconds: campaign.timeoutSeconds
                    )
                    planned.append(PlannedAttempt(key: key, probe: reference, probeDetails: probe, mutator: mutatorID, request: request))
                }
            }
        }
        return planned
    }

    /// The mutator ids a campaign applies, `identity` first when the unmutated probe is included.
    public static func mutatorIDs(of campaign: Campaign) -> [String] {
        var ids = campaign.includeUnmutated ? [Mutator.identity.rawValue] : []
        for id in campaign.mutators where !ids.contains(id) { ids.append(id) }
        return ids
    }

    /// A seed that depends only on (run seed, probe version, mutator, sample): stable across
    /// processes and platforms (FNV-1a over the bytes, finished with SplitMix64), unlike `Hasher`.
    public static func attemptSeed(runSeed: UInt64, probeVersion: String, mutator: String, sample: Int) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
        }
        withUnsafeBytes(of: runSeed.littleEndian) { mix($0) }
        mix(probeVersion.utf8)
        mix([0x1F])
        mix(mutator.utf8)
        withUnsafeBytes(of: UInt64(sample).littleEndian) { mix($0) }
        var generator = SplitMix64(seed: hash)
        return generator.next()
    }
}
