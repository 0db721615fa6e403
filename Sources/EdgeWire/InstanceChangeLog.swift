import Foundation

/// Which of an edge's instances changed at which revision, so that a reader who has seen the
/// list up to a cursor is sent only what changed since (an instance that ended is sent once,
/// as gone or failed). A reader the log cannot answer exactly gets the whole list: one from
/// another run, one from the future, or one older than an ended instance the edge has since
/// forgotten (it would never learn that instance ended). Changes that are measurements
/// (usage, CPU peaks) are not revisions: a whole list brings them. Pure.
public struct InstanceChangeLog: Sendable {
    public let run: String
    public private(set) var revision: UInt64 = 0
    private var changedAt: [String: UInt64] = [:]
    /// The newest revision of an instance forgotten: a reader behind it may have missed an end.
    private var forgottenThrough: UInt64 = 0

    public init(run: String = UUID().uuidString.lowercased()) {
        self.run = run
    }

    public var cursor: InstanceCursor { InstanceCursor(run: run, revision: revision) }

    /// Notes that instance `id` changed (was created, or moved to another phase).
    public mutating func changed(_ id: String) {
        revision += 1
        changedAt[id] = revision
    }

    /// Notes that the edge no longer keeps instance `id`.
    public mutating func forgot(_ id: String) {
        guard let last = changedAt.removeValue(forKey: id) else { return }
        forgottenThrough = max(forgottenThrough, last)
    }

    /// The list a reader at `cursor` needs, from `records` (every instance the edge keeps, by
    /// id): the changed ones only when the cursor allows, else all of them.
    public func list(since cursor: InstanceCursor?, records: [String: EdgeInstance]) -> InstanceList {
        guard let cursor, cursor.run == run, cursor.revision <= revision, cursor.revision >= forgottenThrough else {
            return InstanceList(instances: records.values.sorted { $0.spec.id < $1.spec.id }, cursor: self.cursor, complete: true)
        }
        let changed = changedAt.filter { $0.value > cursor.revision }.sorted { $0.value < $1.value }
        return InstanceList(instances: changed.compactMap { records[$0.key] }, cursor: self.cursor, complete: false)
    }
}
