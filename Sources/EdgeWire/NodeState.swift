import Foundation

/// The body of `GET /v1/node`: the edge's limits, instance counts and current resource use.
public struct NodeState: Sendable, Hashable, Codable {
    public var edge: String
    public var instanceLimit: Int
    public var instances: [InstancePhase: Int]
    public var runtimes: [String]
    public var emulatedRuntimes: [String]
    public var usage: NodeUsage?
    /// The images (references) the edge has local now: made local for an instance since the
    /// operator started, less what an eviction removed. Absent from an older operator.
    public var images: [String]?

    public init(
        edge: String, instanceLimit: Int, instances: [InstancePhase: Int], runtimes: [String], emulatedRuntimes: [String],
        usage: NodeUsage? = nil, images: [String]? = nil
    ) {
        self.images = images
        self.edge = edge
        self.instanceLimit = instanceLimit
        self.instances = instances
        self.runtimes = runtimes
        self.emulatedRuntimes = emulatedRuntimes
        self.usage = usage
    }
}

/// One reading of a node: CPU busy percent of all cores since the previous reading, and
/// memory in use.
public struct NodeUsage: Sendable, Hashable, Codable {
    public var at: Date
    public var cpuPercent: Double
    public var memoryUsedBytes: Int
    public var memoryTotalBytes: Int

    public init(at: Date, cpuPercent: Double, memoryUsedBytes: Int, memoryTotalBytes: Int) {
        self.at = at
        self.cpuPercent = cpuPercent
        self.memoryUsedBytes = memoryUsedBytes
        self.memoryTotalBytes = memoryTotalBytes
    }
}
