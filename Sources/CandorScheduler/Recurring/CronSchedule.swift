import Foundation

/// A five-field cron expression (minute hour day-of-month month day-of-week) evaluated in UTC.
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` or `a-b/n`, and comma lists. Day of week
/// runs 0–7 with both 0 and 7 meaning Sunday. As in Vixie cron, when both day fields are
/// restricted a day matches if either does.
public struct CronSchedule: Sendable, Hashable {
    public let expression: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    /// Why an expression cannot be parsed, naming the field.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private static let fields: [(name: String, range: ClosedRange<Int>)] = [
        ("minute", 0...59), ("hour", 0...23), ("day of month", 1...31), ("month", 1...12), ("day of week", 0...7),
    ]

    public init(_ expression: String) throws(ParseError) {
        let parts = expression.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 5 else {
            throw ParseError(description: "cron '\(expression)': expected 5 fields (minute hour day-of-month month day-of-week), got \(parts.count)")
        }
        var sets: [Set<Int>] = []
        for (part, field) in zip(parts, Self.fields) {
            sets.append(try Self.parse(part, name: field.name, range: field.range))
        }
        self.expression = expression
        minutes = sets[0]
        hours = sets[1]
        daysOfMonth = sets[2]
        months = sets[3]
        daysOfWeek = Set(sets[4].map { $0 % 7 })
        dayOfMonthRestricted = !parts[2].hasPrefix("*")
        dayOfWeekRestricted = !parts[4].hasPrefix("*")
    }

    private static func parse(_ field: Substring, name: String, range: ClosedRange<Int>) throws(ParseError) -> Set<Int> {
        var values = Set<Int>()
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            var step = 1
            if pieces.count == 2 {
                guard let n = Int(pieces[1]), n > 0 else { throw ParseError(description: "\(name) field '\(field)': step '\(pieces[1])' must be a positive number") }
                step = n
            } else if pieces.count != 1 {
                throw ParseError(description: "\(name) field '\(field)': more than one '/'")
            }
            var low = range.lowerBound, high = range.upperBound
            if pieces[0] != "*" {
                let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard (1...2).contains(bounds.count), let first = bounds[0], let last = bounds[bounds.count - 1] else {
                    throw ParseError(description: "\(name) field '\(field)': '\(pieces[0])' is not a number or range")
                }
                guard range.contains(first), range.contains(last), first <= last else {
                    throw ParseError(description: "\(name) field '\(field)': '\(pieces[0])' must lie within \(range.lowerBound)-\(range.upperBound), low to high")
                }
                low = first
                high = bounds.count == 1 && pieces.count == 2 ? range.upperBound : last
            }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return values
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private func dayMatches(_ c: DateComponents) -> Bool {
        let dom = daysOfMonth.contains(c.day!), dow = daysOfWeek.contains(c.weekday! - 1)
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return dom || dow
        case (true, false): return dom
        case (false, true): return dow
        case (false, false): return true
        }
    }

    /// The first matching minute strictly after `date`, or `nil` if none within eight years
    /// (for example `0 0 31 2 *`).
    public func nextDate(after date: Date) -> Date? {
        let calendar = Self.calendar
        var t = calendar.dateInterval(of: .minute, for: date)!.start.addingTimeInterval(60)
        let limit = date.addingTimeInterval(8 * 366 * 86_400)
        while t < limit {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
            if !months.contains(c.month!) {
                t = calendar.date(from: DateComponents(year: c.year, month: c.month! + 1, day: 1))!
            } else if !dayMatches(c) {
                t = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: t))!
            } else if !hours.contains(c.hour!) {
                t = calendar.dateInterval(of: .hour, for: t)!.end
            } else if !minutes.contains(c.minute!) {
                t = t.addingTimeInterval(60)
            } else {
                return t
            }
        }
        return nil
    }
}
