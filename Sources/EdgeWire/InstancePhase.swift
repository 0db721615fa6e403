import Foundation

/// Where an instance is in its life. Every instance passes through these in order
/// (`failed` can follow any phase before `gone`).
public enum InstancePhase: String, Sendable, Hashable, Codable, CaseIterable, CodingKeyRepresentable {
    case pulling, booting, ready, draining, gone, failed

    /// Whether the instance will not change any more.
    public var isFinal: Bool { self == .gone || self == .failed }
}

/// When an instance was requested and when each of its phases began, so that allocation,
/// pull, boot and removal times are measured for every instance.
public struct PhaseTimeline: Sendable, Hashable, Codable {
    public var requested: Date
    public var began: [InstancePhase: Date]

    public init(requested: Date) {
        self.requested = requested
        self.began = [:]
    }

    /// Request to ready.
    public var allocationSeconds: Double? { began[.ready].map { $0.timeIntervalSince(requested) } }
    /// Time spent making the image local (zero when it already was).
    public var pullSeconds: Double? { span(.pulling, .booting) }
    /// Start of the boot to the first successful readiness probe.
    public var bootSeconds: Double? { span(.booting, .ready) }
    /// Start of the drain to the instance being destroyed.
    public var removalSeconds: Double? { span(.draining, .gone) }

    private func span(_ from: InstancePhase, _ to: InstancePhase) -> Double? {
        guard let start = began[from], let end = began[to] else { return nil }
        return end.timeIntervalSince(start)
    }
}
