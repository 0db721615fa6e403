import EdgeOperator
import Foundation
import GRDB

/// The orchestrator's state in SQLite: every instance with its phase timestamps, the DNS
/// lookup counts per content and interval, and the events worth keeping. One type owns the
/// database and its migrations; a file-backed store runs in WAL mode, tests use memory.
/// Shipped migrations are never edited: a change is a new migration.
public struct StateStore: Sendable {
    private let writer: any DatabaseWriter

    /// Opens (creating when needed) the store in `directory/augur.sqlite`.
    public static func open(directory: URL) throws -> StateStore {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pool = try DatabasePool(path: directory.appendingPathComponent("augur.sqlite").path)
        return try StateStore(writer: pool)
    }

    /// A store that lives in memory, for tests and simulation.
    public static func inMemory() throws -> StateStore {
        try StateStore(writer: DatabaseQueue())
    }

    private init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: instances, interval counts, events") { db in
            try db.create(table: "instance") { table in
                table.primaryKey("id", .text)
                table.column("edge", .text).notNull().indexed()
                table.column("content", .text).notNull()
                table.column("flavor", .text).notNull()
                table.column("address", .text).notNull()
                table.column("phase", .text).notNull()
                table.column("emulated", .boolean).notNull()
                table.column("failure", .text)
                table.column("record", .jsonText).notNull()
                table.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "intervalCount") { table in
                table.column("content", .text).notNull()
                table.column("intervalStart", .datetime).notNull()
                table.column("lookups", .integer).notNull()
                table.primaryKey(["content", "intervalStart"])
            }
            try db.create(table: "event") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .datetime).notNull().indexed()
                table.column("kind", .text).notNull()
                table.column("subject", .text).notNull()
                table.column("message", .text).notNull()
            }
        }
        return migrator
    }

    // MARK: Instances

    /// Stores an instance as an edge last reported it, replacing what was known.
    public func record(_ instance: EdgeInstance, at time: Date = Date()) throws {
        let json = String(decoding: try JSONEncoder().encode(instance), as: UTF8.self)
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO instance (id, edge, content, flavor, address, phase, emulated, failure, record, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET phase = excluded.phase, failure = excluded.failure,
                      record = excluded.record, updatedAt = excluded.updatedAt
                    """,
                arguments: [instance.spec.id, instance.spec.edge, instance.spec.content, instance.spec.flavor, instance.spec.address,
                            instance.phase.rawValue, instance.emulated, instance.failure, json, time])
        }
    }

    /// The instances not yet gone or failed (what a restarted orchestrator must reconcile), or all.
    public func instances(liveOnly: Bool = true) throws -> [EdgeInstance] {
        try writer.read { db in
            let sql = liveOnly
                ? "SELECT record FROM instance WHERE phase NOT IN ('gone', 'failed') ORDER BY id"
                : "SELECT record FROM instance ORDER BY id"
            return try String.fetchAll(db, sql: sql).map { try JSONDecoder().decode(EdgeInstance.self, from: Data($0.utf8)) }
        }
    }

    // MARK: Interval counts

    /// Stores one closed counting interval; storing the same interval again replaces it.
    public func recordCounts(_ lookups: [String: Int], intervalStart: Date) throws {
        try writer.write { db in
            for (content, count) in lookups {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO intervalCount (content, intervalStart, lookups) VALUES (?, ?, ?)",
                    arguments: [content, intervalStart, count])
            }
        }
    }

    /// A content's lookups per interval, oldest first: the predictors' input after a restart.
    public func counts(of content: String) throws -> [(intervalStart: Date, lookups: Int)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT intervalStart, lookups FROM intervalCount WHERE content = ? ORDER BY intervalStart", arguments: [content])
                .map { (intervalStart: $0["intervalStart"], lookups: $0["lookups"]) }
        }
    }

    // MARK: Events

    /// Something that happened, kept for the operators' event log.
    public struct Event: Sendable, Hashable {
        public var at: Date
        public var kind: String
        public var subject: String
        public var message: String

        public init(at: Date, kind: String, subject: String, message: String) {
            self.at = at
            self.kind = kind
            self.subject = subject
            self.message = message
        }
    }

    public func append(_ event: Event) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO event (at, kind, subject, message) VALUES (?, ?, ?, ?)", arguments: [event.at, event.kind, event.subject, event.message])
        }
    }

    /// The newest `limit` events, oldest first.
    public func events(limit: Int = 100) throws -> [Event] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM (SELECT at, kind, subject, message, id FROM event ORDER BY id DESC LIMIT ?) ORDER BY id", arguments: [limit])
                .map { Event(at: $0["at"], kind: $0["kind"], subject: $0["subject"], message: $0["message"]) }
        }
    }

    /// The journal mode SQLite uses (`wal` for a file-backed store).
    public func journalMode() throws -> String {
        try writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }
}
