/// Checks the shape of a five-field cron expression (minute hour day-of-month month day-of-week).
///
/// Only validation lives here; computing due times belongs to the scheduler.
enum CronCheck {
    private static let ranges: [(name: String, range: ClosedRange<Int>)] = [
        ("minute", 0...59), ("hour", 0...23), ("day of month", 1...31), ("month", 1...12), ("day of week", 0...7),
    ]

    /// A description of the first problem, or `nil` when the expression is well formed.
    static func problem(in expression: String) -> String? {
        let fields = expression.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 5 else {
            return "expected 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)"
        }
        for (field, spec) in zip(fields, ranges) {
            for part in field.split(separator: ",", omittingEmptySubsequences: false) {
                if let problem = check(part, range: spec.range) {
                    return "\(spec.name) field '\(field)': \(problem)"
                }
            }
        }
        return nil
    }

    private static func check(_ part: Substring, range: ClosedRange<Int>) -> String? {
        let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else { return "more than one '/'" }
        if pieces.count == 2 {
            guard let step = Int(pieces[1]), step > 0 else { return "step '\(pieces[1])' must be a positive number" }
        }
        let base = pieces[0]
        if base == "*" { return nil }
        let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count) else { return "'\(base)' is not a number or range" }
        let numbers = bounds.compactMap { Int($0) }
        guard numbers.count == bounds.count else { return "'\(base)' is not a number or range" }
        for number in numbers where !range.contains(number) {
            return "\(number) is outside \(range.lowerBound)-\(range.upperBound)"
        }
        if numbers.count == 2, numbers[0] > numbers[1] { return "range '\(base)' runs backwards" }
        return nil
    }
}
