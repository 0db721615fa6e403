import Foundation
import GRDB

/// Bounded state: what is older than the retention is deleted, except the counts the
/// predictors rebuild from, and the series are read a window at a time.
extension StateStore {
    /// What one pruning deleted, per table, and in how many write transactions.
    public struct Pruned: Sendable, Hashable {
        public var counts = 0
        public var forecasts = 0
        public var plans = 0
        public var actions = 0
        public var events = 0
        public var instances = 0
        public var transactions = 0

        public var total: Int { counts + forecasts + plans + actions + events + instances }
    }

    /// Deletes the counts, forecasts, plans with their actions, events and finished (gone or
    /// failed) instances older than `cutoff`. Each content keeps its newest `keepingCounts`
    /// counts whatever their age: a restart rebuilds the predictors from them.
    /// The rows are chosen by one read, then deleted `batch` at a time, each batch its own
    /// short transaction, so the loop's writes wait for one batch, never for the whole
    /// pruning. A plan's rows go before the plan, so a pruning cut short leaves no row
    /// without its plan; the next one finishes it.
    public func prune(before cutoff: Date, keepingCounts: Int, batch: Int = 2_000) throws -> Pruned {
        let oldPlans = "SELECT interval FROM plan WHERE start < ?"
        var pruned = Pruned()
        func delete(_ table: String, where condition: String, _ arguments: StatementArguments) throws -> Int {
            let rows = try read { db in try Int64.fetchAll(db, sql: "SELECT rowid FROM \(table) WHERE \(condition)", arguments: arguments) }
            for start in stride(from: 0, to: rows.count, by: max(1, batch)) {
                let chunk = Array(rows[start..<min(rows.count, start + max(1, batch))])
                try write { db in
                    try db.execute(sql: "DELETE FROM \(table) WHERE rowid IN (\(chunk.map { _ in "?" }.joined(separator: ",")))", arguments: StatementArguments(chunk))
                }
                pruned.transactions += 1
            }
            return rows.count
        }
        pruned.counts = try delete(
            "intervalCount",
            where: """
                rowid IN (SELECT rowid FROM (
                  SELECT rowid, intervalStart, ROW_NUMBER() OVER (PARTITION BY content ORDER BY intervalStart DESC) AS age FROM intervalCount
                ) WHERE intervalStart < ? AND age > ?)
                """,
            [cutoff, keepingCounts])
        // A region's counts go with their interval's count: what is kept of one is kept of both.
        pruned.counts += try delete(
            "regionCount",
            where: "intervalStart < ? AND NOT EXISTS (SELECT 1 FROM intervalCount c WHERE c.content = regionCount.content AND c.intervalStart = regionCount.intervalStart)",
            [cutoff])
        pruned.forecasts = try delete("forecast", where: "interval - step IN (\(oldPlans))", [cutoff])
        pruned.actions = try delete("action", where: "interval IN (\(oldPlans))", [cutoff])
        _ = try delete("readyCapacity", where: "interval IN (\(oldPlans))", [cutoff])
        pruned.plans = try delete("plan", where: "start < ?", [cutoff])
        pruned.events = try delete("event", where: "at < ?", [cutoff])
        pruned.instances = try delete("instance", where: "phase IN ('gone', 'failed') AND updatedAt < ?", [cutoff])
        return pruned
    }

    /// A content's lookups per interval from `since` on, at most the newest `limit`, oldest first.
    public func counts(of content: String, since: Date? = nil, limit: Int = .max) throws -> [(intervalStart: Date, lookups: Int)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (SELECT intervalStart, lookups FROM intervalCount WHERE content = ? AND intervalStart >= ?
                      ORDER BY intervalStart DESC LIMIT ?) ORDER BY intervalStart
                    """,
                arguments: [content, since ?? Date.distantPast, limit]
            ).map { (intervalStart: $0["intervalStart"], lookups: $0["lookups"]) }
        }
    }

    /// A content's one-step forecasts made from `since` on (by the start of the interval
    /// that made them), at most the newest `limit`, oldest first.
    public func forecasts(of content: String, since: Date? = nil, limit: Int) throws -> [(interval: Int, mean: Double, standardError: Double)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (SELECT forecast.interval, mean, standardError FROM forecast
                      LEFT JOIN plan ON plan.interval = forecast.interval - forecast.step
                      WHERE content = ? AND step = 1 AND (? IS NULL OR plan.start >= ?)
                      ORDER BY forecast.interval DESC LIMIT ?) ORDER BY interval
                    """,
                arguments: [content, since, since, limit]
            ).map { (interval: $0["interval"], mean: $0["mean"], standardError: $0["standardError"]) }
        }
    }
}
