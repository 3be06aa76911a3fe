import Foundation

/// Decides which recurring campaign slots are due. Pure: time comes in with each event and the
/// caller performs the returned actions (claiming the slot in the store, then starting the run).
///
/// A campaign's reference point is its last handled slot (claimed by any server sharing the
/// store) or, for a campaign never run on schedule, the moment the server started. At each tick
/// only the newest slot after the reference that is not in the future is due, so slots missed
/// while no server was up run once, not once per missed slot. A campaign whose scheduled run is
/// still going is not started again; its newest slot runs when it finishes.
public struct RecurringStateMachine: Sendable {
    public enum Action: Sendable, Hashable {
        /// Claim `slot` of `campaign`; if the claim wins, run the campaign and report ``finished(campaign:)``.
        case claimAndRun(campaign: String, slot: Date)
    }

    struct Entry: Sendable {
        var schedule: CronSchedule
        var reference: Date
        var running = false
    }

    private var entries: [String: Entry]

    /// - Parameters:
    ///   - schedules: the recurring campaigns by name.
    ///   - lastSlots: each campaign's newest slot already claimed in the store.
    ///   - startedAt: when this server started.
    public init(schedules: [String: CronSchedule], lastSlots: [String: Date], startedAt: Date) {
        entries = schedules.mapValues { Entry(schedule: $0, reference: startedAt) }
        for (name, slot) in lastSlots where entries[name] != nil { entries[name]!.reference = slot }
    }

    /// The slots due at `now`, one per campaign at most; each returned slot is considered handled.
    public mutating func tick(now: Date) -> [Action] {
        var actions: [Action] = []
        for name in entries.keys.sorted() {
            guard var entry = entries[name], !entry.running, let slot = Self.newestSlot(entry.schedule, after: entry.reference, notAfter: now) else { continue }
            entry.reference = slot
            entry.running = true
            entries[name] = entry
            actions.append(.claimAndRun(campaign: name, slot: slot))
        }
        return actions
    }

    /// The claim was lost to another server or the run ended: the campaign may run again.
    public mutating func finished(campaign: String) {
        entries[campaign]?.running = false
    }

    /// The earliest upcoming slot of any campaign after `now`: when to tick next.
    public func nextWake(after now: Date) -> Date? {
        entries.values.compactMap { $0.schedule.nextDate(after: max(now, $0.reference)) }.min()
    }

    static func newestSlot(_ schedule: CronSchedule, after reference: Date, notAfter now: Date) -> Date? {
        var newest: Date?
        var cursor = reference
        while let next = schedule.nextDate(after: cursor), next <= now {
            newest = next
            cursor = next
        }
        return newest
    }
}
