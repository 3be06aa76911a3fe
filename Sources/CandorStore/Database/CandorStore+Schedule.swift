import Foundation
import GRDB

extension CandorStore {
    /// Claims the scheduled slot `slot` of `campaign` for `owner`, inside one transaction.
    ///
    /// - Returns: `true` when this call inserted the claim; `false` when any server (this one
    ///   included) claimed the slot before. A slot is run only by the caller that claimed it.
    public func claimSlot(campaign: String, slot: Date, owner: String, now: Date = Date()) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO schedule_slot (campaign, slot, claimed_by, claimed_at) VALUES (?, ?, ?, ?)",
                           arguments: [campaign, Self.timestamp(slot), owner, Self.timestamp(now)])
            return db.changesCount == 1
        }
    }

    /// The newest slot of `campaign` claimed by any server, if any.
    public func lastClaimedSlot(campaign: String) throws(StoreError) -> Date? {
        try read { db in
            Self.date(try String.fetchOne(db, sql: "SELECT MAX(slot) FROM schedule_slot WHERE campaign = ?", arguments: [campaign]))
        }
    }
}
