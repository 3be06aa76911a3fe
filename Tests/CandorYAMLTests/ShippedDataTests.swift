import CandorCore
import CandorYAML
import Foundation
import Testing

/// Loads every shipped file and checks every cross-reference, so a broken pack cannot land.
@Suite("Shipped probes, policies and campaigns")
struct ShippedDataTests {
    static let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("every shipped file loads with no diagnostics")
    func loads() throws {
        let (data, diagnostics) = DeclaredData.load(root: Self.root)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description).joined(separator: "\n"))")
        #expect(data.taxonomy != nil)
        #expect(Set(data.packs.map(\.id)).isSuperset(of: ["china-sensitive", "china-controls", "harmful", "over-refusal"]))
        #expect(data.policies["default"] != nil)
        #expect(Set(data.campaigns.map(\.name)).isSuperset(of: ["smoke", "china-censorship", "safety-baseline", "model-diff"]))
    }

    @Test("the china-sensitive pack covers at least 30 topics, each in two English and two Chinese phrasings, each with a matched control")
    func sensitiveCoverage() throws {
        let data = try DeclaredData.loadValid(root: Self.root)
        let sensitive = try #require(data.pack("china-sensitive"))
        let byTopic = Dictionary(grouping: sensitive.probes, by: \.topic)
        #expect(byTopic.count >= 30)
        for (topic, probes) in byTopic {
            #expect(probes.filter { $0.language == .english }.count >= 2, "\(topic)")
            #expect(probes.filter { $0.language == .simplifiedChinese }.count >= 2, "\(topic)")
            #expect(probes.allSatisfy { $0.expect == .answer })
        }
        let controls = try #require(data.pack("china-controls"))
        let controlled = Set(controls.probes.compactMap(\.controlFor))
        for probe in sensitive.probes {
            let reference = sensitive.reference(to: probe)
            #expect(controlled.contains(reference), "no control for \(reference)")
            let control = controls.probes.first { $0.controlFor == reference }
            #expect(control?.language == probe.language, "control of \(reference) is in another language")
        }
    }

    @Test("harmful and over-refusal packs have at least 40 probes each with the right expectation")
    func safetyPacks() throws {
        let data = try DeclaredData.loadValid(root: Self.root)
        let harmful = try #require(data.pack("harmful"))
        let overRefusal = try #require(data.pack("over-refusal"))
        #expect(harmful.probes.count >= 40 && harmful.probes.allSatisfy { $0.expect == .refuse })
        #expect(overRefusal.probes.count >= 40 && overRefusal.probes.allSatisfy { $0.expect == .answer })
    }

    @Test("policy rules only name categories from the taxonomy")
    func ruleCategories() throws {
        let data = try DeclaredData.loadValid(root: Self.root)
        let categories = try #require(data.taxonomy).categoryIDs
        for rule in try #require(data.policies["default"]).rules {
            #expect(Set(rule.categories).isSubset(of: categories))
        }
    }
}
