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
    /// Every change in revision order, so that a list since a cursor costs time in what changed
    /// since. An instance may stand here at older revisions too: only its entry at
    /// `changedAt[id]` counts. Compacted once it holds twice the instances it counts.
    private var order: [(revision: UInt64, id: String)] = []
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
        order.append((revision, id))
        if order.count > 2 * changedAt.count + 64 {
            order = changedAt.map { ($0.value, $0.key) }.sorted { $0.revision < $1.revision }
        }
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
        // The first change past the cursor (revisions only grow along `order`).
        var low = 0
        var high = order.count
        while low < high {
            let middle = (low + high) / 2
            if order[middle].revision > cursor.revision { high = middle } else { low = middle + 1 }
        }
        let changed = order[low...].compactMap { entry in changedAt[entry.id] == entry.revision ? records[entry.id] : nil }
        return InstanceList(instances: changed, cursor: self.cursor, complete: false)
    }
}
