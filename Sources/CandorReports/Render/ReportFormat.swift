import Foundation

/// The formats a report can be written in.
public enum ReportFormat: String, Sendable, CaseIterable, Codable {
    case html, md, json, sarif, junit

    /// Renders `report` in this format.
    public func render(_ report: ComplianceReport) -> String {
        switch self {
        case .html: HTMLReportRenderer(report: report).render()
        case .md: MarkdownReportRenderer(report: report).render()
        case .json: JSONReportRenderer.render(report)
        case .sarif: SARIFReportRenderer(report: report).render()
        case .junit: JUnitReportRenderer(report: report).render()
        }
    }

    /// The usual file extension.
    public var fileExtension: String {
        switch self {
        case .html: "html"
        case .md: "md"
        case .json: "json"
        case .sarif: "sarif"
        case .junit: "xml"
        }
    }

    /// The integrity manifest embedded in a report written in any format, found by its markers.
    public static func extractManifest(from text: String) -> IntegrityManifest? {
        guard let start = text.range(of: ManifestEmbedding.begin), let end = text.range(of: ManifestEmbedding.end, range: start.upperBound..<text.endIndex) else {
            return nil
        }
        let encoded = text[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: encoded) else { return nil }
        return try? JSONDecoder().decode(IntegrityManifest.self, from: data)
    }
}

/// The manifest travels in every format as base64 JSON between two markers, so one extractor
/// reads it back from HTML, Markdown, SARIF, JUnit or JSON alike (base64 needs no escaping in any
/// of them).
enum ManifestEmbedding {
    static let begin = "CANDOR-MANIFEST-BEGIN:"
    static let end = ":CANDOR-MANIFEST-END"

    static func encoded(_ manifest: IntegrityManifest) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(manifest)) ?? Data()
        return begin + data.base64EncodedString() + end
    }
}
