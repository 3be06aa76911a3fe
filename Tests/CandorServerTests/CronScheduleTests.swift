import CandorScheduler
import Foundation
import Testing

@Suite("Cron schedules")
struct CronScheduleTests {
    static func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test("next due time in UTC", arguments: [
        ("*/15 * * * *", "2026-01-01T00:07:30Z", "2026-01-01T00:15:00Z"),
        ("5,10 * * * *", "2026-01-01T00:05:00Z", "2026-01-01T00:10:00Z"),
        ("10-20/5 3 * * *", "2026-01-01T03:16:00Z", "2026-01-01T03:20:00Z"),
        ("0 9 * * 1-5", "2026-01-02T10:00:00Z", "2026-01-05T09:00:00Z"),
        ("30 2 1 * *", "2026-01-15T00:00:00Z", "2026-02-01T02:30:00Z"),
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("0 12 * * 0", "2026-01-01T00:00:00Z", "2026-01-04T12:00:00Z"),
        ("0 12 * * 7", "2026-01-01T00:00:00Z", "2026-01-04T12:00:00Z"),
        ("0 0 13 * 5", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        ("59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"),
        ("0 */6 * * *", "2026-06-30T23:00:00Z", "2026-07-01T00:00:00Z"),
    ])
    func next(expression: String, after: String, expected: String) throws {
        let schedule = try CronSchedule(expression)
        #expect(schedule.nextDate(after: Self.utc(after)) == Self.utc(expected))
    }

    @Test("a day that never comes gives no next date")
    func never() throws {
        #expect(try CronSchedule("0 0 31 2 *").nextDate(after: Self.utc("2026-01-01T00:00:00Z")) == nil)
    }

    @Test("malformed expressions are refused with the field named", arguments: [
        ("* * *", "expected 5 fields"), ("60 * * * *", "minute"), ("*/0 * * * *", "step"), ("5-1 * * * *", "low to high"),
        ("a * * * *", "not a number"), ("* 24 * * *", "hour"), ("* * 0 * *", "day of month"), ("* * * * 8", "day of week"),
    ])
    func malformed(expression: String, fragment: String) {
        do {
            _ = try CronSchedule(expression)
            Issue.record("'\(expression)' was accepted")
        } catch {
            #expect(error.description.contains(fragment), "\(error)")
        }
    }
}
