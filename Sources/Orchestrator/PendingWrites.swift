import EdgeOperator
import Foundation

/// Instance rows and events the loop has decided but not yet stored. A tick stores them in
/// its one transaction with the interval, after its actions have started, so reconciling
/// adds no write to the counts → actions path; jobs store theirs as they happen. The newest
/// row per instance wins.
public struct PendingWrites: Sendable {
    /// One instance row: as its edge last reported it, and whether its removal was decided.
    public struct InstanceRow: Sendable, Hashable {
        public var instance: EdgeInstance
        public var removing: Bool
        public var at: Date
    }

    public private(set) var instances: [String: InstanceRow] = [:]
    public private(set) var events: [StateStore.Event] = []

    public init() {}

    public var isEmpty: Bool { instances.isEmpty && events.isEmpty }

    public mutating func record(_ instance: EdgeInstance, removing: Bool, at time: Date) {
        instances[instance.spec.id] = InstanceRow(instance: instance, removing: removing, at: time)
    }

    public mutating func append(_ event: StateStore.Event) {
        events.append(event)
    }

    /// Forgets the events (kept instance rows are retried: each replaces the last).
    public mutating func dropEvents() -> Int {
        defer { events = [] }
        return events.count
    }
}
