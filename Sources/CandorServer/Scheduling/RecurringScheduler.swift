import CandorScheduler
import CandorStore
import Foundation

/// Performs the ``RecurringStateMachine``'s actions: claims each due slot in the shared store
/// (a unique row, so two servers never both win a slot) and starts the campaign.
public actor RecurringScheduler {
    /// Starts a claimed slot's campaign; calls `finished` when its run ends.
    public typealias Launch = @Sendable (_ campaign: String, _ finished: @escaping @Sendable () async -> Void) async -> Bool

    private var machine: RecurringStateMachine
    private let store: CandorStore
    private let clock: any WallClock
    private let owner: String
    private let launch: Launch
    /// Slots this scheduler claimed and started, oldest first (for the API and tests).
    public private(set) var started: [(campaign: String, slot: Date)] = []

    public init(schedules: [String: CronSchedule], store: CandorStore, clock: any WallClock, owner: String, launch: @escaping Launch) throws(StoreError) {
        var last: [String: Date] = [:]
        for name in schedules.keys {
            if let slot = try store.lastClaimedSlot(campaign: name) { last[name] = slot }
        }
        machine = RecurringStateMachine(schedules: schedules, lastSlots: last, startedAt: clock.now())
        self.store = store
        self.clock = clock
        self.owner = owner
        self.launch = launch
    }

    /// Handles every slot due now. Returns the slots this scheduler won.
    @discardableResult
    public func tick() async -> [(campaign: String, slot: Date)] {
        var won: [(campaign: String, slot: Date)] = []
        for case .claimAndRun(let campaign, let slot) in machine.tick(now: clock.now()) {
            let claimed = (try? store.claimSlot(campaign: campaign, slot: slot, owner: owner, now: clock.now())) ?? false
            guard claimed else {
                machine.finished(campaign: campaign)
                continue
            }
            let launched = await launch(campaign) { [weak self] in await self?.finished(campaign) }
            if launched {
                won.append((campaign, slot))
                started.append((campaign, slot))
            } else {
                machine.finished(campaign: campaign)
            }
        }
        return won
    }

    private func finished(_ campaign: String) {
        machine.finished(campaign: campaign)
    }

    /// Ticks at each due time until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            await tick()
            let now = clock.now()
            let wake = machine.nextWake(after: now) ?? now.addingTimeInterval(3600)
            do { try await clock.sleep(until: min(wake, now.addingTimeInterval(3600))) } catch { return }
        }
    }
}
