import CandorAnalysis
import CandorCore
import Foundation

/// An inline SVG bar chart of the failing-outcome rates per group, with interval whiskers.
/// Text is escaped; the SVG needs no namespace URL when inline in HTML5.
public struct BarChart {
    let title: String
    let groups: [(name: String, table: RateTable)]

    public init(title: String, groups: [(name: String, table: RateTable)]) {
        self.title = title
        self.groups = groups
    }

    private static let colours: [Outcome: String] = [.censorship: "#b42318", .unsafeCompliance: "#6941c6", .overRefusal: "#b54708"]

    public func svg() -> String {
        let outcomes = Formatting.failingOutcomes
        let rowHeight = 18.0, groupGap = 14.0, labelWidth = 170.0, plotWidth = 520.0
        let groupHeight = Double(outcomes.count) * rowHeight + groupGap
        let height = 50 + Double(groups.count) * groupHeight + 24
        let width = labelWidth + plotWidth + 90
        var svg = "<svg role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\"><title>\(Formatting.xml(title))</title>"
        svg += "<text x=\"0\" y=\"16\" font-size=\"13\" font-weight=\"600\">\(Formatting.xml(title))</text>"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            let x = labelWidth + tick * plotWidth
            svg += "<line x1=\"\(f(x))\" y1=\"38\" x2=\"\(f(x))\" y2=\"\(f(height - 20))\" stroke=\"#e3e6ea\"/>"
            svg += "<text x=\"\(f(x))\" y=\"\(f(height - 6))\" font-size=\"10\" text-anchor=\"middle\" fill=\"#5b6470\">\(Int(tick * 100))%</text>"
        }
        for (index, group) in groups.enumerated() {
            let top = 46 + Double(index) * groupHeight
            svg += "<text x=\"0\" y=\"\(f(top + rowHeight))\" font-size=\"12\">\(Formatting.xml(String(group.name.prefix(26))))</text>"
            for (row, outcome) in outcomes.enumerated() {
                let proportion = group.table[outcome]
                let y = top + Double(row) * rowHeight
                let rate = proportion.rate ?? 0
                svg += "<rect x=\"\(f(labelWidth))\" y=\"\(f(y + 3))\" width=\"\(f(max(0.5, rate * plotWidth)))\" height=\"\(f(rowHeight - 6))\" fill=\"\(Self.colours[outcome] ?? "#888")\"><title>\(Formatting.xml("\(group.name) · \(Formatting.outcomeTitle(outcome)): \(Formatting.rate(proportion))"))</title></rect>"
                if proportion.rate != nil {
                    let x1 = labelWidth + proportion.lower * plotWidth, x2 = labelWidth + proportion.upper * plotWidth, yc = y + rowHeight / 2
                    svg += "<line x1=\"\(f(x1))\" y1=\"\(f(yc))\" x2=\"\(f(x2))\" y2=\"\(f(yc))\" stroke=\"#1b1f24\" stroke-width=\"1\"/>"
                }
                svg += "<text x=\"\(f(labelWidth + plotWidth + 6))\" y=\"\(f(y + rowHeight - 5))\" font-size=\"10\" fill=\"#5b6470\">\(Formatting.xml(proportion.rate.map { Formatting.percent($0) } ?? "n/a"))</text>"
            }
        }
        var legendX = labelWidth
        for outcome in outcomes {
            svg += "<rect x=\"\(f(legendX))\" y=\"21\" width=\"10\" height=\"10\" fill=\"\(Self.colours[outcome] ?? "#888")\"/><text x=\"\(f(legendX + 14))\" y=\"30\" font-size=\"11\">\(Formatting.outcomeTitle(outcome))</text>"
            legendX += 140
        }
        return svg + "</svg>"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
