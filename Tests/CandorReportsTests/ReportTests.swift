import CandorAnalysis
import CandorCore
import CandorReports
import Crypto
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite("Compliance reports")
struct ReportTests {
    static let report = ComplianceReport(input: SyntheticRun.input())

    /// Compares with the checked-in golden file; set CANDOR_UPDATE_GOLDEN=1 to rewrite them.
    @Test("each format matches its golden snapshot", arguments: ReportFormat.allCases)
    func golden(format: ReportFormat) throws {
        let rendered = format.render(Self.report)
        let name = "synthetic.\(format.fileExtension)"
        if ProcessInfo.processInfo.environment["CANDOR_UPDATE_GOLDEN"] == "1" {
            let source = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "Golden/\(name)")
            try rendered.write(to: source, atomically: true, encoding: .utf8)
            return
        }
        let url = try #require(Bundle.module.url(forResource: "Golden", withExtension: nil)).appending(path: name)
        let golden = try String(contentsOf: url, encoding: .utf8)
        #expect(rendered == golden, "\(name) differs from its golden file; rerun with CANDOR_UPDATE_GOLDEN=1 if the change is intended")
    }

    @Test("the summary verdict, rates and diff come out as counted by hand")
    func figures() throws {
        let report = Self.report
        #expect(report.summary.verdict == .fail)
        #expect(report.summary.failures == [.censorship: 4, .unsafeCompliance: 1])
        let sensitive = try #require(report.rates.slices[.category]?["china-sensitive"])
        #expect(sensitive[.censorship].rate == 4.0 / 6.0)
        #expect(report.asymmetry.byLanguage["all"]?.difference == 4.0 / 6.0)
        let diff = try #require(report.diff)
        #expect(diff.pairedAttempts == 14)
        #expect(diff.flips.count == 3)
        #expect(report.worstFindings.first?.probe.category == "harmful") // critical severity first
        #expect(report.frameworkMappings.map(\.outcome) == [.censorship, .unsafeCompliance])
    }

    @Test("HTML is self-contained and every payload is inert")
    func htmlIsSafe() {
        let html = ReportFormat.html.render(Self.report).lowercased()
        for forbidden in ["<script", "<img", "<a ", "<iframe", "http://", "https://", "@import", "url("] {
            #expect(!html.contains(forbidden), "HTML contains \(forbidden)")
        }
        // No element carries a link, a source or an event handler: payload text like
        // `src=x onerror=...` may appear only as escaped text, never inside a tag.
        for tag in html.split(separator: "<").dropFirst().map({ $0.prefix { $0 != ">" } }) {
            for attribute in ["href=", "src=", "onerror=", "onload=", "javascript:"] {
                #expect(!tag.contains(attribute), "a tag carries \(attribute): <\(tag)>")
            }
        }
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("content-security-policy"))
        #expect(html.contains("<svg"))
    }

    @Test("Markdown escapes model output: no raw HTML, links or code spans")
    func markdownIsSafe() {
        let markdown = ReportFormat.md.render(Self.report)
        #expect(!markdown.contains("<script"))
        #expect(!markdown.contains("](javascript:"))
        #expect(markdown.contains("\\[click\\]\\(javascript:alert\\(2\\)\\)"))
    }

    @Test("SARIF and JSON parse; JUnit is well-formed XML with a failure per failing outcome")
    func machineFormats() throws {
        let sarif = try #require(try JSONSerialization.jsonObject(with: Data(ReportFormat.sarif.render(Self.report).utf8)) as? [String: Any])
        #expect(sarif["version"] as? String == "2.1.0")
        let runs = try #require(sarif["runs"] as? [[String: Any]])
        #expect((runs.first?["results"] as? [Any])?.count == 5)
        _ = try JSONSerialization.jsonObject(with: Data(ReportFormat.json.render(Self.report).utf8))

        let junit = ReportFormat.junit.render(Self.report)
        final class Counter: NSObject, XMLParserDelegate {
            var failures = 0
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                if name == "failure" { failures += 1 }
            }
        }
        let parser = XMLParser(data: Data(junit.utf8))
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "JUnit XML is not well-formed: \(String(describing: parser.parserError))")
        #expect(counter.failures == 2)
    }

    @Test("the manifest is embedded in every format and verifies against the findings", arguments: ReportFormat.allCases)
    func manifestRoundTrip(format: ReportFormat) throws {
        let manifest = try #require(ReportFormat.extractManifest(from: format.render(Self.report)))
        #expect(manifest == Self.report.manifest)
        #expect(manifest.verify(findings: SyntheticRun.findings(runID: 2)) == nil)
    }

    @Test("a tampered, missing or added record is named; a bad signature is caught")
    func tampering() throws {
        let key = Curve25519.Signing.PrivateKey()
        let report = ComplianceReport(input: SyntheticRun.input(signingKey: key.rawRepresentation, withBaseline: false))
        let manifest = report.manifest
        var findings = SyntheticRun.findings(runID: 2)
        #expect(manifest.verify(findings: findings, expectedPublicKey: key.publicKey.rawRepresentation) == nil)

        findings[3].attempt.answer = "edited afterwards"
        let target = "2/\(findings[3].attempt.key.probeVersion)/identity/0"
        #expect(manifest.verify(findings: findings) == .recordDiffers(attempt: target))

        var missing = SyntheticRun.findings(runID: 2)
        missing.remove(at: 0)
        #expect(manifest.verify(findings: missing) == .recordMissing(attempt: "2/v-s0/identity/0"))

        var tamperedHead = manifest
        tamperedHead.head = String(repeating: "0", count: 64)
        #expect(tamperedHead.verify(findings: SyntheticRun.findings(runID: 2)) == .headMismatch)

        #expect(manifest.verify(findings: SyntheticRun.findings(runID: 2), expectedPublicKey: Curve25519.Signing.PrivateKey().publicKey.rawRepresentation) == .unexpectedKey)
        var forged = manifest
        forged.signature = Curve25519.Signing.PrivateKey().signature(for: Data(manifest.head.utf8)).map { $0.base64EncodedString() }
        #expect(forged.verifySignature() == .badSignature)
    }
}

extension Curve25519.Signing.PrivateKey {
    fileprivate func signature(for data: Data) -> Data? { try? signature(for: data) as Data }
}
