import CandorAnalysis
import CandorCore
import CandorReports
import CandorStore
import CandorYAML
import Foundation
import HTTPTypes

/// Store-aware assembly shared by the JSON API and the pages: what a run, a diff or a report
/// is made of. Names from requests are validated here before they reach the store or the disk.
struct StoreViews: Sendable {
    let store: CandorStore
    let root: URL
    let candorVersion: String

    /// Campaign names are `[a-z0-9-]+` and only ever name a file in `root/audits`.
    static func validCampaignName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 100 && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    func checkedCampaignName(_ name: String) throws(ServerError) -> String {
        guard Self.validCampaignName(name) else { throw .badRequest("campaign names are lowercase letters, digits and '-'") }
        return name
    }

    /// The campaigns declared under `root/audits`, as loaded (and validated) by CandorYAML.
    func declaredCampaigns() -> [Campaign] {
        DeclaredData.load(root: root).data.campaigns.filter { Self.validCampaignName($0.name) }.sorted { $0.name < $1.name }
    }

    func run(_ id: Int64) throws(ServerError) -> Run {
        guard let run = try stored({ () throws(StoreError) in try store.run(id: id) }) else { throw .notFound("no run \(id)") }
        return run
    }

    /// Runs `body`, turning a store failure into a 503 without leaking SQL.
    func stored<T>(_ body: () throws(StoreError) -> T) throws(ServerError) -> T {
        do { return try body() } catch { throw ServerError(.serviceUnavailable, "store_unavailable", "the findings store could not be read") }
    }

    /// The previous run of the same campaign and target, for flips.
    func previousRun(of run: Run) throws(ServerError) -> Run? {
        try stored { () throws(StoreError) in try store.runs(campaign: run.campaign, target: run.target) }
            .first { $0.id < run.id && $0.status == .completed }
    }

    func findings(run id: Int64) throws(ServerError) -> [Finding] {
        try stored { () throws(StoreError) in try store.findings(run: id) }
    }

    /// A run's report input, as `candor report` assembles it.
    func reportInput(runID: Int64, baselineID: Int64?) throws(ServerError) -> ReportInput {
        let run = try self.run(runID)
        let findings = try self.findings(run: runID)
        guard let policyVersion = findings.compactMap(\.verdict?.policyVersion).first,
              let policy = try stored({ () throws(StoreError) in try store.policy(hash: policyVersion) }) else {
            throw ServerError(.conflict, "not_judged", "run \(runID) has no judged attempts yet; nothing to report")
        }
        var baseline: (Run, [Finding])?
        if let baselineID { baseline = (try self.run(baselineID), try self.findings(run: baselineID)) }
        let packs = try stored { () throws(StoreError) in try store.packs(usedBy: runID) }.map {
            ComplianceReport.PackVersion(id: $0.pack, version: $0.version, contentHash: $0.contentHash, probes: $0.probes)
        }
        return ReportInput(
            run: run, findings: findings, policy: policy, policyVersion: policyVersion, packs: packs,
            campaign: try stored { () throws(StoreError) in try store.campaign(named: run.campaign) }, baseline: baseline, generatedAt: Date(),
            candorVersion: candorVersion, trend: try stored { () throws(StoreError) in try store.trend(campaign: run.campaign) }, signingKey: nil
        )
    }

    /// The finding of `run` with this probe version, mutator and sample.
    func finding(run: Int64, probeVersion: String, mutator: String, sample: Int) throws(ServerError) -> Finding {
        let matches = try stored { () throws(StoreError) in try store.findings(FindingFilter(runID: run, probeVersion: probeVersion)) }
        guard let finding = matches.first(where: { $0.attempt.key.mutator == mutator && $0.attempt.key.sample == sample }) else {
            throw .notFound("no finding \(run)/\(probeVersion)/\(mutator)/\(sample)")
        }
        return finding
    }

    /// Every stored attempt of one probe (any version) across runs, newest run first.
    func probeHistory(pack: String, probe: String) throws(ServerError) -> [(run: Run, finding: Finding)] {
        let runs = try stored { () throws(StoreError) in try store.runs(limit: 200) }
        var rows: [(run: Run, finding: Finding)] = []
        for run in runs {
            for finding in try findings(run: run.id) where finding.attempt.probe.pack == pack && finding.attempt.probe.probe == probe {
                rows.append((run, finding))
            }
        }
        return rows
    }
}
