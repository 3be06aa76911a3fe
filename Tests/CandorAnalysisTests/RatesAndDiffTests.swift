import CandorAnalysis
import CandorCore
import Testing

/// Builds findings by hand: every count below can be checked by reading the table.
enum Synthetic {
    static func finding(
        run: Int64, probe: String, category: String = "china-sensitive", topic: String = "t", language: LanguageTag = .english,
        controlFor: String? = nil, mutator: String = "identity", sample: Int = 0, label: Label, outcome: Outcome?
    ) -> Finding {
        let details = Probe(
            id: probe, text: "q \(probe)", language: language, topic: topic, category: category, expect: .answer,
            controlFor: controlFor.map { ProbeReference(pack: "p", probe: $0) }
        )
        let attempt = Attempt(
            key: AttemptKey(runID: run, probeVersion: "v-\(probe)", mutator: mutator, sample: sample),
            probe: ProbeReference(pack: "p", probe: probe), renderedPrompt: details.text, state: .answered
        )
        return Finding(attempt: attempt, probe: details, verdict: Verdict(label: label, confidence: 1, evidence: [], outcome: outcome, policyID: "p", policyVersion: "1"))
    }
}

@Suite("Rates, asymmetry and diffs")
struct RatesAndDiffTests {
    @Test("repeated samples are averaged per probe before pooling across probes")
    func perProbeAggregation() {
        // Probe a: 1 of 4 samples censored → 0.25. Probe b: 1 of 1 → 1. Pooled: 1.25 / 2 probes.
        var findings = (0..<4).map { Synthetic.finding(run: 1, probe: "a", sample: $0, label: $0 == 0 ? .refused : .complied, outcome: $0 == 0 ? .censorship : .pass) }
        findings.append(Synthetic.finding(run: 1, probe: "b", label: .refused, outcome: .censorship))
        let table = RateTable(findings: findings)
        #expect(table.attempts == 5 && table.probes == 2)
        #expect(table[.censorship].rate == 0.625)
        #expect(table[Label.refused].successes == 1.25)
        #expect(table[.overRefusal].rate == 0)
    }

    @Test("rates are sliced by language and mutator")
    func slices() {
        let findings = [
            Synthetic.finding(run: 1, probe: "a", language: .english, label: .complied, outcome: .pass),
            Synthetic.finding(run: 1, probe: "b", language: .simplifiedChinese, label: .refused, outcome: .censorship),
            Synthetic.finding(run: 1, probe: "b", language: .simplifiedChinese, mutator: "base64", label: .complied, outcome: .pass),
        ]
        let rates = RunRates(findings: findings)
        #expect(rates.slices[.language]?["zh-Hans"]?[.censorship].rate == 0.5)
        #expect(rates.slices[.language]?["en"]?[.censorship].rate == 0)
        #expect(rates.slices[.mutator]?["base64"]?[.censorship].rate == 0)
    }

    @Test("asymmetry: withheld on sensitive probes minus withheld on their controls, per language")
    func asymmetry() {
        var findings: [Finding] = []
        for i in 0..<10 {
            findings.append(Synthetic.finding(run: 1, probe: "s\(i)", label: i < 8 ? .refused : .complied, outcome: nil))
            findings.append(Synthetic.finding(run: 1, probe: "c\(i)", category: "control", controlFor: "s\(i)", label: i < 1 ? .deflected : .complied, outcome: nil))
        }
        // A sensitive probe without a control in this run does not count.
        findings.append(Synthetic.finding(run: 1, probe: "lonely", label: .complied, outcome: .pass))
        let asymmetry = Asymmetry(findings: findings)
        let english = try! #require(asymmetry.byLanguage["en"])
        #expect(abs(english.difference! - 0.7) < 1e-12)
        #expect(english.isSignificant)
        #expect(asymmetry.byLanguage[Asymmetry.allLanguages]?.difference == english.difference)
    }

    @Test("a run diffed with itself shows no flips and no change")
    func selfDiff() {
        let findings = (0..<6).map { Synthetic.finding(run: 1, probe: "p\($0)", label: $0 < 3 ? .refused : .complied, outcome: $0 < 3 ? .censorship : .pass) }
        let diff = RunDiff(before: findings, after: findings)
        #expect(diff.pairedAttempts == 6 && diff.flips.isEmpty && diff.regressions.isEmpty)
        #expect(diff.changes.allSatisfy { $0.pValue == 1 && ($0.delta ?? 0) == 0 })
    }

    @Test("paired flips are listed and tested with McNemar; a significant increase is a regression")
    func pairedRegression() {
        let before = (0..<10).map { Synthetic.finding(run: 1, probe: "p\($0)", label: .complied, outcome: .pass) }
        let after = (0..<10).map { Synthetic.finding(run: 2, probe: "p\($0)", label: $0 < 8 ? .refused : .complied, outcome: $0 < 8 ? .censorship : .pass) }
        let diff = RunDiff(before: before, after: after, threshold: 0.1)
        #expect(diff.flips.count == 8)
        #expect(diff.flips.allSatisfy { $0.kind == .answeredToWithheld })
        let censorship = try! #require(diff.changes.first { $0.outcome == .censorship })
        #expect(censorship.test == .mcNemar && censorship.worsened == 8 && censorship.improved == 0)
        #expect(abs(censorship.pValue - 0.0078125) < 1e-12) // 2 × 0.5^8
        #expect(censorship.isRegression)
        #expect(diff.regressions.count == 1)
        // The same change read the other way is an improvement, not a regression.
        #expect(RunDiff(before: after, after: before).regressions.isEmpty)
    }

    @Test("unpaired runs are compared with Fisher's exact test")
    func unpaired() {
        let before = (0..<10).map { Synthetic.finding(run: 1, probe: "old\($0)", label: .complied, outcome: .pass) }
        let after = (0..<10).map { Synthetic.finding(run: 2, probe: "new\($0)", label: .refused, outcome: .censorship) }
        let diff = RunDiff(before: before, after: after)
        #expect(diff.pairedAttempts == 0 && diff.unpairedBefore == 10 && diff.unpairedAfter == 10)
        let censorship = try! #require(diff.changes.first { $0.outcome == .censorship })
        #expect(censorship.test == .fisher)
        #expect(abs(censorship.pValue - 1.082508822446903e-05) < 1e-12)
        #expect(censorship.isRegression)
    }
}
