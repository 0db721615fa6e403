import Foundation
import GRDB
import Planning

/// The loop's records: one transaction per interval, action outcomes as they happen, the
/// progress and counts a restart resumes from, and the series the API serves.
extension StateStore {
    /// Stores a closed interval with its counts, forecasts, plan and actions (numbered by the
    /// loop), the loop's progress and its pending instance rows and events, all or nothing. The
    /// predictors are not stored: they are derived from the counts, and a restart rebuilds
    /// them from those. `readyNext`: what served each content as the next interval began
    /// (contents with none are left out).
    public func recordInterval(
        _ record: IntervalRecord, progress: LoopProgress, pending: PendingWrites = PendingWrites(), readyNext: [String: ReadyCapacity] = [:]
    ) throws {
        try write { db in
            try Self.writeDecisions(record.actions, progress: progress, in: db)
            try Self.write(RecordBatch(interval: IntervalSeries(record: record, readyNext: readyNext), pending: pending), in: db)
        }
    }

    /// Stores what an interval decided: its actions and the loop's progress. The loop stores
    /// these before the actions reach an edge; the rest of the interval follows through its
    /// `LoopRecordSink`.
    public func recordDecisions(_ actions: [ActionRecord], progress: LoopProgress) throws {
        try write { db in try Self.writeDecisions(actions, progress: progress, in: db) }
    }

    static func writeDecisions(_ actions: [ActionRecord], progress: LoopProgress, in db: Database) throws {
        for action in actions { try insert(action, db) }
        try db.execute(sql: "INSERT OR REPLACE INTO loopState (key, value) VALUES ('progress', ?)", arguments: [String(decoding: try encoder.encode(progress), as: UTF8.self)])
    }

    /// Writes a batch of records inside the caller's transaction.
    static func write(_ batch: RecordBatch, in db: Database) throws {
        try write(batch.pending, in: db)
        if let series = batch.interval { try write(series, in: db) }
    }

    private static func write(_ series: IntervalSeries, in db: Database) throws {
        let record = series.record
        let count = try db.cachedStatement(sql: "INSERT OR REPLACE INTO intervalCount (content, intervalStart, lookups) VALUES (?, ?, ?)")
        // The date is formatted once, not once per content.
        let start = record.start.databaseValue
        for (content, lookups) in record.lookups {
            try count.execute(arguments: [content, start, lookups])
        }
        if let regions = record.regions {
            let regional = try db.cachedStatement(sql: "INSERT OR REPLACE INTO regionCount (content, region, intervalStart, lookups) VALUES (?, ?, ?, ?)")
            for (content, byRegion) in regions {
                for (region, demand) in byRegion where demand.lookups > 0 { try regional.execute(arguments: [content, region, start, demand.lookups]) }
            }
        }
        let forecast = try db.cachedStatement(sql: "INSERT OR REPLACE INTO forecast (content, interval, step, mean, standardError) VALUES (?, ?, ?, ?, ?)")
        for (content, steps) in record.forecasts {
            for (index, step) in steps.enumerated() {
                try forecast.execute(arguments: [content, record.interval + 1 + index, index + 1, step.mean, step.standardError])
            }
        }
        try db.execute(
            sql: "INSERT OR REPLACE INTO plan (interval, start, \"end\", training, lookups, unmet, tickMilliseconds) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [record.interval, record.start, record.end, record.training, record.lookups.values.reduce(0, +),
                        String(decoding: try encoder.encode(record.unmet), as: UTF8.self), record.tickMilliseconds])
        let ready = try db.cachedStatement(sql: "INSERT OR REPLACE INTO readyCapacity (content, interval, instances, lookups) VALUES (?, ?, ?, ?)")
        for (content, capacity) in series.readyNext {
            try ready.execute(arguments: [content, record.interval + 1, capacity.instances, capacity.lookups])
        }
    }

    /// Stores an action taken within an interval (a reactive deploy), before its interval closes.
    public func recordAction(_ action: ActionRecord) throws {
        try write { db in try Self.insert(action, db) }
    }

    /// Prepared once per connection (a plan holds hundreds of actions), bound per row.
    private static func insert(_ action: ActionRecord, _ db: Database) throws {
        let insert = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO action (id, interval, kind, content, flavor, edge, instance, reason, outcome, detail, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        try insert.execute(arguments: [action.id, action.interval, action.kind.rawValue, action.content, action.flavor, action.edge, action.instance, action.reason, action.outcome.rawValue, action.detail, action.updatedAt])
    }

    /// The progress stored by the last interval, if any.
    public func loadProgress() throws -> LoopProgress? {
        try read { db in
            guard let text = try String.fetchOne(db, sql: "SELECT value FROM loopState WHERE key = 'progress'") else { return nil }
            return try Self.decoder.decode(LoopProgress.self, from: Data(text.utf8))
        }
    }

    /// Every content's newest `limit` counts, oldest first: what rebuilds the predictors.
    public func recentCounts(limit: Int) throws -> [String: [Double]] {
        try read { db in
            var series: [String: [Double]] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT content, lookups FROM (
                  SELECT content, lookups, intervalStart, ROW_NUMBER() OVER (PARTITION BY content ORDER BY intervalStart DESC) AS age
                  FROM intervalCount) WHERE age <= ? ORDER BY content, intervalStart
                """, arguments: [limit])
            while let row = try rows.next() {
                let lookups: Int = row["lookups"]
                series[row["content"], default: []].append(Double(lookups))
            }
            return series
        }
    }

    /// The newest `intervals` intervals' counts, per content and per content and region,
    /// oldest first: what rebuilds the regional shares.
    public func recentRegionalCounts(intervals: Int) throws -> [RegionalCounts] {
        try read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT c.intervalStart AS start, c.content AS content, c.lookups AS total, r.region AS region, r.lookups AS lookups
                FROM intervalCount c LEFT JOIN regionCount r ON r.content = c.content AND r.intervalStart = c.intervalStart
                WHERE c.intervalStart IN (SELECT DISTINCT intervalStart FROM intervalCount ORDER BY intervalStart DESC LIMIT ?)
                ORDER BY c.intervalStart
                """, arguments: [intervals])
            var series: [RegionalCounts] = []
            var current: Date?
            while let row = try rows.next() {
                let start: Date = row["start"]
                if start != current {
                    series.append(RegionalCounts(totals: [:], byRegion: [:]))
                    current = start
                }
                let content: String = row["content"]
                series[series.count - 1].totals[content] = row["total"]
                if let region: String = row["region"], let lookups: Int = row["lookups"] { series[series.count - 1].byRegion[content, default: [:]][region] = lookups }
            }
            return series
        }
    }

    /// The newest `limit` intervals with their actions, newest first.
    public func intervals(limit: Int) throws -> [IntervalRecord] {
        let decoder = Self.decoder
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM plan ORDER BY interval DESC LIMIT ?", arguments: [limit]).map { row in
                let interval: Int = row["interval"]
                let start: Date = row["start"]
                var lookups: [String: Int] = [:]
                for count in try Row.fetchAll(db, sql: "SELECT content, lookups FROM intervalCount WHERE intervalStart = ?", arguments: [start]) {
                    lookups[count["content"]] = count["lookups"]
                }
                var forecasts: [String: [IntervalRecord.ForecastStep]] = [:]
                for point in try Row.fetchAll(db, sql: "SELECT content, mean, standardError FROM forecast WHERE interval - step = ? ORDER BY step", arguments: [interval]) {
                    forecasts[point["content"], default: []].append(IntervalRecord.ForecastStep(mean: point["mean"], standardError: point["standardError"]))
                }
                let unmetText: String = row["unmet"]
                return IntervalRecord(
                    interval: interval, start: start, end: row["end"], training: row["training"], lookups: lookups, forecasts: forecasts,
                    unmet: try decoder.decode([IntervalRecord.Unmet].self, from: Data(unmetText.utf8)),
                    actions: try Self.actions(db, sql: "SELECT * FROM action WHERE interval = ? ORDER BY id", arguments: [interval]),
                    tickMilliseconds: row["tickMilliseconds"])
            }
        }
    }

    /// Keeps the configuration text the loop runs with, by name (catalog, topology, flavors).
    public func recordConfiguration(_ files: [String: String], at time: Date = Date()) throws {
        try write { db in
            for (name, text) in files {
                try db.execute(sql: "INSERT OR REPLACE INTO configuration (name, text, loadedAt) VALUES (?, ?, ?)", arguments: [name, text, time])
            }
        }
    }

    static func actions(_ db: Database, sql: String, arguments: StatementArguments) throws -> [ActionRecord] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            ActionRecord(
                id: row["id"], interval: row["interval"], kind: ActionRecord.Kind(rawValue: row["kind"]) ?? .deploy, content: row["content"],
                flavor: row["flavor"], edge: row["edge"], instance: row["instance"], reason: row["reason"],
                outcome: ActionRecord.Outcome(rawValue: row["outcome"]) ?? .failed, detail: row["detail"], updatedAt: row["updatedAt"])
        }
    }
}

extension StateStore {
    /// Keeps a run-time content change; a later change of the same content merges into it.
    public func recordContentChange(_ name: String, _ change: ContentChange) throws {
        let merged = (try contentChanges()[name] ?? ContentChange()).merged(with: change)
        let text = String(decoding: try Self.encoder.encode(merged), as: UTF8.self)
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO loopState (key, value) VALUES (?, ?)", arguments: ["content:" + name, text])
        }
    }

    /// The run-time content changes, by content.
    public func contentChanges() throws -> [String: ContentChange] {
        try read { db in
            var changes: [String: ContentChange] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM loopState WHERE key LIKE 'content:%'") {
                let key: String = row["key"]
                let value: String = row["value"]
                changes[String(key.dropFirst("content:".count))] = try Self.decoder.decode(ContentChange.self, from: Data(value.utf8))
            }
            return changes
        }
    }
}
