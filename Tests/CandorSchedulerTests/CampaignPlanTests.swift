import CandorCore
import CandorScheduler
import Testing

@Suite("Campaign plan")
struct CampaignPlanTests {
    static let pack = ProbePack(id: "p", version: "1", description: "d", probes: [
        Probe(id: "a", text: "Question A?", language: .english, topic: "t", category: "c", expect: .answer),
        Probe(id: "b", text: "问题B？", language: .simplifiedChinese, topic: "t", category: "c", expect: .answer),
    ])
    static let versions: [ProbeReference: String] = [
        ProbeReference(pack: "p", probe: "a"): "hash-a", ProbeReference(pack: "p", probe: "b"): "hash-b",
    ]

    @Test("expands probe × mutator × sample in a stable order, identity first")
    func expansion() {
        let campaign = Campaign(
            name: "x", description: "d", targets: [], selection: ProbeSelection(), mutators: ["base64", "identity"],
            samples: 2, policy: "default"
        )
        let target = TargetDescription(name: "t", kind: .bundled(model: "m"), systemPrompt: "Be brief.")
        let attempts = CampaignPlan.attempts(campaign: campaign, target: target, packs: [Self.pack], probeVersions: Self.versions, runID: 9, runSeed: 1)
        #expect(attempts.count == 2 * 2 * 2)
        #expect(attempts.map(\.mutator) == ["identity", "identity", "base64", "base64", "identity", "identity", "base64", "base64"])
        #expect(attempts.map(\.key.sample) == [0, 1, 0, 1, 0, 1, 0, 1])
        #expect(attempts[0].request.prompt == "Question A?")
        #expect(attempts[0].request.systemPrompt == "Be brief.")
        #expect(attempts[2].request.prompt.contains("UXVlc3Rpb24gQT8="))
        #expect(Set(attempts.map(\.key)).count == attempts.count)
        #expect(Set(attempts.map(\.request.seed)).count == attempts.count)
    }

    @Test("attempt seeds depend only on run seed, probe version, mutator and sample")
    func seeds() {
        let seed = CampaignPlan.attemptSeed(runSeed: 42, probeVersion: "abc", mutator: "identity", sample: 3)
        #expect(seed == CampaignPlan.attemptSeed(runSeed: 42, probeVersion: "abc", mutator: "identity", sample: 3))
        #expect(seed != CampaignPlan.attemptSeed(runSeed: 43, probeVersion: "abc", mutator: "identity", sample: 3))
        #expect(seed != CampaignPlan.attemptSeed(runSeed: 42, probeVersion: "abd", mutator: "identity", sample: 3))
        #expect(seed != CampaignPlan.attemptSeed(runSeed: 42, probeVersion: "abc", mutator: "base64", sample: 3))
        #expect(seed != CampaignPlan.attemptSeed(runSeed: 42, probeVersion: "abc", mutator: "identity", sample: 4))
        // Pinned: the derivation must never change silently, or old runs stop being reproducible.
        #expect(CampaignPlan.attemptSeed(runSeed: 0, probeVersion: "", mutator: "", sample: 0) == 0xA91D_3420_2A62_1A55) // checked against an independent Python computation
    }
}
