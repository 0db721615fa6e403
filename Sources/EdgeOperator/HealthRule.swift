import Deadline
import EdgeWire
import Foundation

/// When a ready instance's probes make it unhealthy and healthy again, as HAProxy's checks
/// do: `fall` failed probes in a row take it out, `rise` passed probes in a row bring it
/// back, and it changes state at most once per `window`, so a flapping instance does not
/// churn DNS. Pure: the moment of each probe is given.
public struct HealthRule: Sendable, Hashable {
    public var fall: Int
    public var rise: Int
    public var window: Duration

    public init(fall: Int = 3, rise: Int = 2, window: Duration = .seconds(10)) {
        self.fall = max(1, fall)
        self.rise = max(1, rise)
        self.window = window
    }

    /// Counts one probe at `now` into `health`; true when its state changed.
    public func record(passed: Bool, failure: String? = nil, into health: inout InstanceHealth, at now: Date) -> Bool {
        if passed {
            health.passes += 1
            health.failures = 0
        } else {
            health.failures += 1
            health.passes = 0
            health.lastFailure = failure
        }
        let wanted = health.healthy ? health.failures < fall : health.passes >= rise
        guard wanted != health.healthy else { return false }
        if let changed = health.changed, now.timeIntervalSince(changed) < window.inSeconds { return false }
        health.healthy = wanted
        health.changed = now
        return true
    }
}
