import Dispatch
import EdgeWire
import Foundation
import GRDB
import Planning

/// The orchestrator's state in SQLite: the configuration it ran with, every instance with its
/// phase timestamps, the DNS lookup counts per content and interval (from which a restart
/// rebuilds the predictors), forecasts, plans and their actions with outcomes, and the events
/// worth keeping. One type owns the
/// database and its migrations; a file-backed store runs in WAL mode, tests use memory.
/// Shipped migrations are never edited: a change is a new migration.
public struct StateStore: Sendable {
    private let writer: any DatabaseWriter

    /// Opens (creating when needed) the store in `directory/augur.sqlite`.
    public static func open(directory: URL) throws -> StateStore {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        // WAL with NORMAL sync: a commit is durable once written to the log, which survives a
        // killed process (the WAL is replayed on open); only an OS crash or power loss can
        // take the last commits back. FULL would fsync every commit: tens of ms per tick.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        let pool = try DatabasePool(path: directory.appendingPathComponent("augur.sqlite").path, configuration: configuration)
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
        migrator.registerMigration("v2: forecasts, plans, actions, loop state, configuration") { db in
            try db.alter(table: "instance") { table in
                table.add(column: "removing", .boolean).notNull().defaults(to: false)
            }
            try db.create(table: "forecast") { table in
                table.column("content", .text).notNull()
                table.column("interval", .integer).notNull()
                table.column("step", .integer).notNull()
                table.column("mean", .double).notNull()
                table.column("standardError", .double).notNull()
                table.primaryKey(["content", "interval", "step"])
            }
            try db.create(table: "plan") { table in
                table.primaryKey("interval", .integer)
                table.column("start", .datetime).notNull()
                table.column("end", .datetime).notNull()
                table.column("training", .boolean).notNull()
                table.column("lookups", .integer).notNull()
                table.column("unmet", .jsonText).notNull()
                table.column("tickMilliseconds", .double).notNull()
            }
            try db.create(table: "action") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("interval", .integer).notNull().indexed()
                table.column("kind", .text).notNull()
                table.column("content", .text).notNull()
                table.column("flavor", .text)
                table.column("edge", .text)
                table.column("instance", .text)
                table.column("reason", .text).notNull()
                table.column("outcome", .text).notNull()
                table.column("detail", .text)
                table.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "loopState") { table in
                table.primaryKey("key", .text)
                table.column("value", .jsonText).notNull()
            }
            try db.create(table: "configuration") { table in
                table.primaryKey("name", .text)
                table.column("text", .text).notNull()
                table.column("loadedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v3: ready capacity per content and interval") { db in
            try db.create(table: "readyCapacity") { table in
                table.column("content", .text).notNull()
                table.column("interval", .integer).notNull()
                table.column("instances", .integer).notNull()
                table.column("lookups", .integer).notNull()
                table.primaryKey(["content", "interval"])
            }
        }
        migrator.registerMigration("v4: lookups per content, region and interval") { db in
            try db.create(table: "regionCount") { table in
                table.column("content", .text).notNull()
                table.column("region", .text).notNull()
                table.column("intervalStart", .datetime).notNull()
                table.column("lookups", .integer).notNull()
                table.primaryKey(["content", "region", "intervalStart"])
            }
        }
        return migrator
    }

    /// JSON as the store writes it: fitted models may hold NaN (an unfitted log-likelihood).
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// Runs `body` in one write transaction (a tick's records land together or not at all).
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.write(body)
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }

    /// Threads of their own for the reads of callers on the cooperative pool, marked with
    /// `readQueueKey` so that a read can tell where it runs.
    private static let readQueue: DispatchQueue = {
        let queue = DispatchQueue(label: "augur.store.reads", attributes: .concurrent)
        queue.setSpecific(key: readQueueKey, value: queue.label)
        return queue
    }()
    static let readQueueKey = DispatchSpecificKey<String>()

    /// Runs `query` (any of the store's reads) on a thread of the store's own and suspends
    /// until it is done, as GRDB's async reads do: the API's handlers and the loop's resume
    /// never hold a cooperative thread while SQLite reads, so a long read cannot starve the
    /// loop. Reads see a committed snapshot (WAL), whatever the writer does meanwhile.
    public func reading<T: Sendable>(_ query: @escaping @Sendable (StateStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Self.readQueue.async { continuation.resume(with: Result { try query(self) }) }
        }
    }

    // MARK: Instances

    /// Stores an instance as an edge last reported it, replacing what was known; `removing`
    /// marks one the orchestrator decided to remove (a restart finishes the removal).
    public func record(_ instance: EdgeInstance, removing: Bool = false, at time: Date = Date()) throws {
        var pending = PendingWrites()
        pending.record(instance, removing: removing, at: time)
        try store(pending)
    }

    /// Stores pending instance rows and events in one transaction.
    public func store(_ pending: PendingWrites) throws {
        try store([RecordBatch(pending: pending)])
    }

    /// Stores `batches` in one transaction, after every write queued before.
    public func store(_ batches: [RecordBatch]) throws {
        try writer.write { db in
            for batch in batches { try Self.write(batch, in: db) }
        }
    }

    /// Queues `batches` as one transaction on the store's single writer and returns at once;
    /// `done` is called once it is committed (nil) or has failed (the error).
    public func enqueue(_ batches: [RecordBatch], done: @escaping @Sendable ((any Error)?) -> Void) {
        writer.asyncWrite({ db in
            for batch in batches { try Self.write(batch, in: db) }
        }, completion: { _, result in
            switch result {
            case .success: done(nil)
            case .failure(let error): done(error)
            }
        })
    }

    static func write(_ pending: PendingWrites, in db: Database) throws {
        let encoder = Self.encoder
        let row = try db.cachedStatement(sql: """
            INSERT INTO instance (id, edge, content, flavor, address, phase, emulated, failure, record, updatedAt, removing)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET phase = excluded.phase, failure = excluded.failure,
              record = excluded.record, updatedAt = excluded.updatedAt, removing = excluded.removing
            """)
        for (_, entry) in pending.instances.sorted(by: { $0.key < $1.key }) {
            let instance = entry.instance
            let json = String(decoding: try encoder.encode(instance), as: UTF8.self)
            try row.execute(arguments: [instance.spec.id, instance.spec.edge, instance.spec.content, instance.spec.flavor, instance.spec.address,
                                        instance.phase.rawValue, instance.emulated, instance.failure, json, entry.at, entry.removing])
        }
        let event = try db.cachedStatement(sql: "INSERT INTO event (at, kind, subject, message) VALUES (?, ?, ?, ?)")
        for entry in pending.events {
            try event.execute(arguments: [entry.at, entry.kind, entry.subject, entry.message])
        }
        guard !pending.outcomes.isEmpty else { return }
        let outcome = try db.cachedStatement(sql: "UPDATE action SET outcome = ?, instance = COALESCE(?, instance), detail = COALESCE(?, detail), updatedAt = ? WHERE id = ?")
        for update in pending.outcomes {
            try outcome.execute(arguments: [update.outcome.rawValue, update.instance, update.detail, update.at, update.action])
        }
    }

    /// The ids of live instances whose removal was decided.
    public func instancesBeingRemoved() throws -> Set<String> {
        try writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM instance WHERE removing AND phase NOT IN ('gone', 'failed')"))
        }
    }

    /// The instances not yet gone or failed (what a restarted orchestrator must reconcile), or all.
    public func instances(liveOnly: Bool = true) throws -> [EdgeInstance] {
        try writer.read { db in
            let sql = liveOnly
                ? "SELECT record FROM instance WHERE phase NOT IN ('gone', 'failed') ORDER BY id"
                : "SELECT record FROM instance ORDER BY id"
            return try String.fetchAll(db, sql: sql).map { try Self.decoder.decode(EdgeInstance.self, from: Data($0.utf8)) }
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

    // MARK: Events

    /// Something that happened (see `LoopEvent`).
    public typealias Event = LoopEvent

    public func append(_ event: Event) throws {
        var pending = PendingWrites()
        pending.append(event)
        try store(pending)
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
