import CandorScheduler
import CandorServer
import CandorStore
import Foundation
import Testing

/// Records launches; a launched campaign stays "running" until the test finishes it.
actor Launches {
    var campaigns: [String] = []
    var finishers: [String: @Sendable () async -> Void] = [:]

    func launch(_ campaign: String, _ finished: @escaping @Sendable () async -> Void) -> Bool {
        campaigns.append(campaign)
        finishers[campaign] = finished
        return true
    }

    func finish(_ campaign: String) async {
        await finishers.removeValue(forKey: campaign)?()
    }
}

@Suite("Recurring campaigns")
struct RecurringSchedulerTests {
    static func utc(_ text: String) -> Date { CronScheduleTests.utc(text) }

    func scheduler(_ store: CandorStore, _ clock: ManualClock, _ launches: Launches, owner: String = "a", cron: String) throws -> RecurringScheduler {
        try RecurringScheduler(schedules: ["nightly": try CronSchedule(cron)], store: store, clock: clock, owner: owner) { campaign, finished in
            await launches.launch(campaign, finished)
        }
    }

    @Test("a slot runs when due, not before, and not again while its run is going")
    func due() async throws {
        let db = TemporaryDatabase()
        defer { db.remove() }
        let store = try CandorStore(url: db.url)
        let clock = ManualClock(Self.utc("2026-03-01T12:03:00Z"))
        let launches = Launches()
        let scheduler = try scheduler(store, clock, launches, cron: "*/10 * * * *")
        #expect(await scheduler.tick().isEmpty)
        clock.set(Self.utc("2026-03-01T12:09:59Z"))
        #expect(await scheduler.tick().isEmpty)
        clock.set(Self.utc("2026-03-01T12:10:00Z"))
        #expect(await scheduler.tick().map(\.slot) == [Self.utc("2026-03-01T12:10:00Z")])
        clock.set(Self.utc("2026-03-01T12:20:30Z"))
        #expect(await scheduler.tick().isEmpty, "the 12:10 run is still going")
        await launches.finish("nightly")
        #expect(await scheduler.tick().map(\.slot) == [Self.utc("2026-03-01T12:20:00Z")])
        #expect(await launches.campaigns == ["nightly", "nightly"])
    }

    @Test("slots missed while no server was up run once, not once per slot")
    func missed() async throws {
        let db = TemporaryDatabase()
        defer { db.remove() }
        let store = try CandorStore(url: db.url)
        #expect(try store.claimSlot(campaign: "nightly", slot: Self.utc("2026-03-01T10:00:00Z"), owner: "old"))
        let clock = ManualClock(Self.utc("2026-03-01T13:37:00Z"))
        let launches = Launches()
        let scheduler = try scheduler(store, clock, launches, cron: "0 * * * *")
        let won = await scheduler.tick()
        #expect(won.map(\.slot) == [Self.utc("2026-03-01T13:00:00Z")])
        await launches.finish("nightly")
        #expect(await scheduler.tick().isEmpty)
        #expect(await launches.campaigns.count == 1)
        #expect(try store.lastClaimedSlot(campaign: "nightly") == Self.utc("2026-03-01T13:00:00Z"))
    }

    @Test("two servers sharing one database never run the same slot twice")
    func concurrent() async throws {
        let db = TemporaryDatabase()
        defer { db.remove() }
        let clock = ManualClock(Self.utc("2026-03-01T11:58:00Z"))
        let launches = Launches()
        let first = try scheduler(try CandorStore(url: db.url), clock, launches, owner: "server-1", cron: "0 12 * * *")
        let second = try scheduler(try CandorStore(url: db.url), clock, launches, owner: "server-2", cron: "0 12 * * *")
        clock.set(Self.utc("2026-03-01T12:00:00Z"))
        async let a = first.tick()
        async let b = second.tick()
        let (wonA, wonB) = await (a, b)
        #expect(wonA.count + wonB.count == 1)
        #expect(await launches.campaigns == ["nightly"])
        clock.set(Self.utc("2026-03-02T12:00:00Z"))
        await launches.finish("nightly")
        let next = await first.tick().count + second.tick().count
        #expect(next == 1, "the next day's slot is run once too")
    }

    @Test("the state machine names the newest due slot and the next wake-up")
    func machine() throws {
        var machine = RecurringStateMachine(schedules: ["x": try CronSchedule("0 0 * * *")], lastSlots: [:], startedAt: Self.utc("2026-03-01T05:00:00Z"))
        #expect(machine.tick(now: Self.utc("2026-03-01T23:59:00Z")).isEmpty)
        #expect(machine.nextWake(after: Self.utc("2026-03-01T23:59:00Z")) == Self.utc("2026-03-02T00:00:00Z"))
        #expect(machine.tick(now: Self.utc("2026-03-05T08:00:00Z")) == [.claimAndRun(campaign: "x", slot: Self.utc("2026-03-05T00:00:00Z"))])
        machine.finished(campaign: "x")
        #expect(machine.tick(now: Self.utc("2026-03-05T09:00:00Z")).isEmpty)
    }
}
