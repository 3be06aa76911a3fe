import CandorCore
import CandorStore
import Foundation
import Testing

@Suite("candor diff, report and verify (the real binary)")
struct EvidenceCommandTests {
    /// Two runs of one campaign over ten probes: run A answers all, run B refuses eight.
    static func store() throws -> (URL, CandorStore, Run, Run, [AttemptKey]) {
        let url = FileManager.default.temporaryDirectory.appending(path: "candor-evidence-\(UUID().uuidString)/c.sqlite")
        let store = try CandorStore(url: url)
        let pack = ProbePack(id: "mini", version: "1", description: "d", probes: (0..<10).map {
            Probe(id: "p\($0)", text: "Question \($0) about 1989?", language: .english, topic: "tiananmen", category: "china-sensitive", expect: .answer)
        })
        let versions = try store.recordPack(pack)
        let policy = Policy(id: "p", version: "1", description: "d", labels: [LabelDefinition(label: .refused, description: "Refuses.")],
                            regexDetectors: [], embeddingDetectors: [],
                            rules: [OutcomeRule(expect: .answer, labels: [.refused], outcome: .censorship, severity: .high)], frameworks: [])
        let policyVersion = try store.recordPolicy(policy)
        try store.recordCampaign(Campaign(name: "demo", description: "d", targets: [], selection: ProbeSelection(), policy: "p"))
        var runs: [Run] = []
        var lastKeys: [AttemptKey] = []
        for refusals in [0, 8] {
            let run = try store.createRun(campaign: "demo", target: "t", model: ModelIdentity(name: "m", source: "bundled", fingerprint: "f"),
                                          configHash: "h", seed: 1, candorVersion: "test")
            let keys = pack.probes.map { AttemptKey(runID: run.id, probeVersion: versions[pack.reference(to: $0)]!, mutator: "identity", sample: 0) }
            try store.insertPending(zip(pack.probes, keys).map { Attempt(key: $1, probe: pack.reference(to: $0), renderedPrompt: $0.text) })
            for (index, key) in keys.enumerated() {
                let refused = index < refusals
                try store.recordAnswer(key, answer: refused ? "I'm sorry, I can't <b>discuss</b> that." : "Troops fired on protesters.", reasoning: nil,
                                       promptTokens: nil, completionTokens: nil, latencySeconds: nil, tries: 1, reportedModel: nil, requestParameters: nil,
                                       verdict: Verdict(label: refused ? .refused : .complied, confidence: 0.9, evidence: [], outcome: refused ? .censorship : .pass,
                                                        policyID: "p", policyVersion: policyVersion))
            }
            try store.setStatus(run: run.id, .completed, finishedAt: Date())
            runs.append(run)
            lastKeys = keys
        }
        return (url, store, runs[0], runs[1], lastKeys)
    }

    @Test("diff reports the regression and --fail-on turns it into exit code 1")
    func diffGate() throws {
        let (url, _, a, b, _) = try Self.store()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let plain = try CandorBinary.run(["diff", String(a.id), String(b.id), "--db", url.path])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("10 paired attempts"))
        #expect(plain.stdout.contains("china-sensitive / censorship: 0.0% → 80.0% (+80.0 pts), McNemar exact p=0.0078  REGRESSION"))
        let gated = try CandorBinary.run(["diff", String(a.id), String(b.id), "--db", url.path, "--fail-on", "censorship,unsafe_compliance"])
        #expect(gated.status == 1)
        #expect(gated.stderr.contains("1 regression: china-sensitive/censorship"))
        let reversed = try CandorBinary.run(["diff", String(b.id), String(a.id), "--db", url.path, "--fail-on", "censorship"])
        #expect(reversed.status == 0)
    }

    @Test("a report verifies against the store until a stored answer changes, and names that attempt")
    func reportAndVerify() throws {
        let (url, store, a, b, keys) = try Self.store()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let report = url.deletingLastPathComponent().appending(path: "report.html").path
        let written = try CandorBinary.run(["report", String(b.id), "--baseline", String(a.id), "--format", "html", "--out", report, "--db", url.path])
        #expect(written.status == 0, "\(written.stderr)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("&lt;b&gt;discuss&lt;/b&gt;"))
        #expect(!html.contains("<b>discuss"))
        #expect(html.contains("Trend of this campaign"))
        let ok = try CandorBinary.run(["verify", report, "--db", url.path])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("10 records of run \(b.id) match"))

        try store.recordAnswer(keys[3], answer: "rewritten after the report", reasoning: nil, promptTokens: nil, completionTokens: nil,
                               latencySeconds: nil, tries: 1, reportedModel: nil, requestParameters: nil, verdict: nil)
        let tampered = try CandorBinary.run(["verify", report, "--db", url.path])
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("attempt \(b.id)/\(keys[3].probeVersion)/identity/0 differs"))

        for format in ["md", "json", "sarif", "junit"] {
            let result = try CandorBinary.run(["report", String(b.id), "--format", format, "--db", url.path])
            #expect(result.status == 0 && result.stdout.contains("CANDOR-MANIFEST-BEGIN:"), "\(format)")
        }
    }
}
