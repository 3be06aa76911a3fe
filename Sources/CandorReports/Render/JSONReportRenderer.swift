import Foundation

/// The report as JSON (sorted keys, ISO 8601 dates), with the manifest also embedded between
/// markers so `candor verify` reads every format the same way.
enum JSONReportRenderer {
    static func render(_ report: ComplianceReport) -> String {
        struct Envelope: Encodable {
            var report: ComplianceReport
            var manifestEmbedding: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(Envelope(report: report, manifestEmbedding: ManifestEmbedding.encoded(report.manifest)))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
