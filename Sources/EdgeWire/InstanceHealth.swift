import Foundation

/// Whether a ready instance still serves, as its operator's periodic probes see it. Health is
/// apart from the phase: an unhealthy instance stays deployed (it is not replaced) and leaves
/// DNS until it passes again.
public struct InstanceHealth: Sendable, Hashable, Codable {
    public var healthy: Bool
    /// Probes failed in a row (0 after a pass).
    public var failures: Int
    /// Probes passed in a row (0 after a failure).
    public var passes: Int
    /// When `healthy` last changed (nil: never).
    public var changed: Date?
    /// Why the last failed probe failed.
    public var lastFailure: String?

    public init(healthy: Bool = true, failures: Int = 0, passes: Int = 0, changed: Date? = nil, lastFailure: String? = nil) {
        self.healthy = healthy
        self.failures = failures
        self.passes = passes
        self.changed = changed
        self.lastFailure = lastFailure
    }
}
