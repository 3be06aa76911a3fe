import CandorAnalysis
import CandorCore
import Foundation

/// An inline SVG line chart: one outcome's rate (censorship unless told) per category across a
/// campaign's runs.
public struct TrendChart: Sendable {
    let points: [TrendPoint]
    let outcome: Outcome

    public init(points: [TrendPoint], outcome: Outcome = .censorship) {
        self.points = points
        self.outcome = outcome
    }

    private static let palette = ["#b42318", "#175cd3", "#067647", "#b54708", "#6941c6", "#c11574"]

    public func svg() -> String {
        let runs = Array(Set(points.map(\.runID))).sorted()
        let categories = Array(Set(points.map(\.category))).sorted()
        guard runs.count >= 1 else { return "" }
        let width = 640.0, height = 220.0, left = 40.0, right = 170.0, top = 16.0, bottom = 30.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ run: Int64) -> Double {
            runs.count == 1 ? left + plotWidth / 2 : left + plotWidth * Double(runs.firstIndex(of: run)!) / Double(runs.count - 1)
        }
        func y(_ rate: Double) -> Double { top + plotHeight * (1 - rate) }
        var svg = "<svg role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\"><title>\(Formatting.xml(Formatting.outcomeTitle(outcome))) rate per category across runs</title>"
        for tick in stride(from: 0.0, through: 1.0, by: 0.5) {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(tick)))\" stroke=\"#e3e6ea\"/>"
            svg += "<text x=\"2\" y=\"\(f(y(tick) + 4))\" font-size=\"10\" fill=\"#5b6470\">\(Int(tick * 100))%</text>"
        }
        for run in runs {
            svg += "<text x=\"\(f(x(run)))\" y=\"\(f(height - 10))\" font-size=\"10\" text-anchor=\"middle\" fill=\"#5b6470\">run \(run)</text>"
        }
        for (index, category) in categories.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let series = points.filter { $0.category == category }.compactMap { point in point.rate(outcome).map { (point.runID, $0) } }
            let coordinates = series.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
            if series.count > 1 { svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(coordinates)\"/>" }
            for (run, rate) in series {
                svg += "<circle cx=\"\(f(x(run)))\" cy=\"\(f(y(rate)))\" r=\"3\" fill=\"\(colour)\"><title>\(Formatting.xml("\(category), run \(run): \(Formatting.percent(rate))"))</title></circle>"
            }
            svg += "<rect x=\"\(f(width - right + 10))\" y=\"\(f(top + Double(index) * 16))\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
            svg += "<text x=\"\(f(width - right + 24))\" y=\"\(f(top + Double(index) * 16 + 9))\" font-size=\"11\">\(Formatting.xml(String(category.prefix(22))))</text>"
        }
        return svg + "</svg>"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
