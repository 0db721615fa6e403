import Foundation

/// An instance as the operator reports it: the request, its phase and timeline, what the
/// runtime calls it, and how much it used. It is the body of the API's instance resources.
public struct EdgeInstance: Sendable, Hashable, Codable {
    public var spec: InstanceSpec
    public var phase: InstancePhase
    public var timeline: PhaseTimeline
    public var handle: RuntimeHandle?
    /// True when the driver imitates the technology (no hypervisor on this machine).
    public var emulated: Bool
    public var image: ImagePreparation?
    public var failure: String?
    /// The node's highest CPU use (percent of all cores) seen during each phase.
    public var nodeCPUPeak: [InstancePhase: Double]
    public var usage: InstanceUsage?
    /// Allocation, pull, boot and removal times in seconds, as far as they are known.
    public var seconds: [String: Double] = [:]
    /// Why its times do not compare with hardware, where they do not (a Xen host nested under
    /// QEMU's software emulation): every report that prints them says so.
    public var timingNote: String?
    /// What the operator's probes saw while it is ready (nil: not probed yet).
    public var health: InstanceHealth?

    public init(spec: InstanceSpec, requested: Date, emulated: Bool, timingNote: String? = nil) {
        self.spec = spec
        self.phase = .pulling
        self.timeline = PhaseTimeline(requested: requested)
        self.emulated = emulated
        self.nodeCPUPeak = [:]
        self.timingNote = timingNote
    }

    /// False once its probes failed (an instance never probed is taken to serve).
    public var isHealthy: Bool { health?.healthy ?? true }

    /// A real Xen guest, a real container or emulated.
    public var truth: InstanceTruth { InstanceTruth(runtime: spec.runtime, emulated: emulated) }

    /// Durations in seconds: allocation, pull, boot, removal.
    public var measured: [String: Double] {
        var values: [String: Double] = [:]
        values["allocation"] = timeline.allocationSeconds
        values["pull"] = timeline.pullSeconds
        values["boot"] = timeline.bootSeconds
        values["removal"] = timeline.removalSeconds
        return values
    }
}

/// How the image became local for an instance.
public struct ImagePreparation: Sendable, Hashable, Codable {
    /// False when the image was already in the edge's cache.
    public var pulled: Bool
    public var bytes: Int?
    /// The content digest the runtime resolved the reference to.
    public var digest: String?

    public init(pulled: Bool, bytes: Int? = nil, digest: String? = nil) {
        self.pulled = pulled
        self.bytes = bytes
        self.digest = digest
    }
}

/// An instance's resource use as its runtime reports it.
public struct InstanceUsage: Sendable, Hashable, Codable {
    /// Percent of one core.
    public var cpuPercent: Double
    public var memoryBytes: Int

    public init(cpuPercent: Double, memoryBytes: Int) {
        self.cpuPercent = cpuPercent
        self.memoryBytes = memoryBytes
    }
}
