import Foundation
import GRDB

/// Bounded state: what is older than the retention is deleted, except the counts the
/// predictors rebuild from, and the series are read a window at a time.
extension StateStore {
    /// What one pruning deleted, per table.
    public struct Pruned: Sendable, Hashable {
        public var counts = 0
        public var forecasts = 0
        public var plans = 0
        public var actions = 0
        public var events = 0
        public var instances = 0

        public var total: Int { counts + forecasts + plans + actions + events + instances }
    }

    /// Deletes, in one transaction, the counts, forecasts, plans with their actions, events
    /// and finished (gone or failed) instances older than `cutoff`. Each content keeps its
    /// newest `keepingCounts` counts whatever their age: a restart rebuilds the predictors
    /// from them.
    public func prune(before cutoff: Date, keepingCounts: Int) throws -> Pruned {
        try write { db in
            var pruned = Pruned()
            try db.execute(
                sql: """
                    DELETE FROM intervalCount WHERE intervalStart < ? AND rowid NOT IN (
                      SELECT rowid FROM (
                        SELECT rowid, ROW_NUMBER() OVER (PARTITION BY content ORDER BY intervalStart DESC) AS age FROM intervalCount
                      ) WHERE age <= ?)
                    """,
                arguments: [cutoff, keepingCounts])
            pruned.counts = db.changesCount
            let oldPlans = "SELECT interval FROM plan WHERE start < ?"
            try db.execute(sql: "DELETE FROM forecast WHERE interval - step IN (\(oldPlans))", arguments: [cutoff])
            pruned.forecasts = db.changesCount
            try db.execute(sql: "DELETE FROM action WHERE interval IN (\(oldPlans))", arguments: [cutoff])
            pruned.actions = db.changesCount
            try db.execute(sql: "DELETE FROM readyCapacity WHERE interval IN (\(oldPlans))", arguments: [cutoff])
            try db.execute(sql: "DELETE FROM plan WHERE start < ?", arguments: [cutoff])
            pruned.plans = db.changesCount
            try db.execute(sql: "DELETE FROM event WHERE at < ?", arguments: [cutoff])
            pruned.events = db.changesCount
            try db.execute(sql: "DELETE FROM instance WHERE phase IN ('gone', 'failed') AND updatedAt < ?", arguments: [cutoff])
            pruned.instances = db.changesCount
            return pruned
        }
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
