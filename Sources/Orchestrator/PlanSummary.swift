import Foundation
import GRDB
import Planning

/// A closed interval's plan as the dashboard lists it: its first actions with their reasons
/// and outcomes, without the per-content counts and forecasts (a thousand contents would
/// make every plan a thousand rows).
public struct PlanSummary: Sendable, Codable {
    public var interval: Int
    public var start: Date
    public var end: Date
    public var training: Bool
    public var lookups: Int
    public var unmet: [IntervalRecord.Unmet]
    public var actionsTotal: Int
    public var actions: [ActionRecord]
}

extension StateStore {
    /// The newest `limit` plans, newest first, each with at most `actions` of its actions.
    public func planSummaries(limit: Int, actions: Int) throws -> [PlanSummary] {
        let decoder = Self.decoder
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM plan ORDER BY interval DESC LIMIT ?", arguments: [limit]).map { row in
                let interval: Int = row["interval"]
                let unmetText: String = row["unmet"]
                return PlanSummary(
                    interval: interval, start: row["start"], end: row["end"], training: row["training"], lookups: row["lookups"],
                    unmet: try decoder.decode([IntervalRecord.Unmet].self, from: Data(unmetText.utf8)),
                    actionsTotal: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM action WHERE interval = ?", arguments: [interval]) ?? 0,
                    actions: try Self.actions(db, sql: "SELECT * FROM action WHERE interval = ? ORDER BY id LIMIT ?", arguments: [interval, actions]))
            }
        }
    }
}
