import EdgeWire
import Foundation
import Planning

/// Instance rows, events and action outcomes the loop has decided but not yet stored. The
/// loop hands them to its record sink once it has performed an event's actions (a tick's
/// go with its interval); the newest row per instance wins.
public struct PendingWrites: Sendable {
    /// One instance row: as its edge last reported it, and whether its removal was decided.
    public struct InstanceRow: Sendable, Hashable {
        public var instance: EdgeInstance
        public var removing: Bool
        public var at: Date
    }

    public private(set) var instances: [String: InstanceRow] = [:]
    public private(set) var events: [StateStore.Event] = []
    public private(set) var outcomes: [ActionOutcome] = []

    public init() {}

    public var isEmpty: Bool { instances.isEmpty && events.isEmpty && outcomes.isEmpty }

    public mutating func record(_ instance: EdgeInstance, removing: Bool, at time: Date) {
        instances[instance.spec.id] = InstanceRow(instance: instance, removing: removing, at: time)
    }

    /// Takes `rows`, which are newer than the ones held.
    public mutating func update(with rows: [String: InstanceRow]) {
        instances.merge(rows) { _, newer in newer }
    }

    public mutating func append(_ event: StateStore.Event) {
        events.append(event)
    }

    public mutating func append(_ outcome: ActionOutcome) {
        outcomes.append(outcome)
    }

}
