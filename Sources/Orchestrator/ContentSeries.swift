import Foundation
import GRDB
import Planning

/// One closed interval of one content as the dashboard draws it: the lookups that came, the
/// forecast made for it one interval ahead, and what was ready when it began.
public struct ContentIntervalPoint: Sendable, Hashable, Codable {
    public var interval: Int
    public var start: Date
    public var lookups: Int?
    public var forecast: Double?
    public var standardError: Double?
    public var ready: ReadyCapacity
}

extension StateStore {
    /// The newest `limit` closed intervals of `content`, oldest first: one indexed query.
    public func contentSeries(of content: String, limit: Int) throws -> [ContentIntervalPoint] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT plan.interval, plan.start, c.lookups, f.mean, f.standardError, r.instances, r.lookups AS readyLookups FROM plan
                      LEFT JOIN intervalCount c ON c.content = :content AND c.intervalStart = plan.start
                      LEFT JOIN forecast f ON f.content = :content AND f.interval = plan.interval AND f.step = 1
                      LEFT JOIN readyCapacity r ON r.content = :content AND r.interval = plan.interval
                      ORDER BY plan.interval DESC LIMIT :limit
                    """,
                arguments: ["content": content, "limit": limit]
            ).reversed().map { row in
                ContentIntervalPoint(
                    interval: row["interval"], start: row["start"], lookups: row["lookups"], forecast: row["mean"], standardError: row["standardError"],
                    ready: ReadyCapacity(instances: row["instances"] ?? 0, lookups: row["readyLookups"] ?? 0))
            }
        }
    }
}
