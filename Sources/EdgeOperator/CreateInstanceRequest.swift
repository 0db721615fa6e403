/// The body of `POST /v1/instances`: what to serve and how; the operator fills in the rest
/// (an address from the runtime's pool, the image from the private registry, the paper's limits).
public struct CreateInstanceRequest: Sendable, Hashable, Codable {
    public var content: String
    public var flavor: String
    public var image: String?
    public var address: String?
    public var cpus: Double?
    public var memoryMegabytes: Int?

    public init(content: String, flavor: String, image: String? = nil, address: String? = nil, cpus: Double? = nil, memoryMegabytes: Int? = nil) {
        self.content = content
        self.flavor = flavor
        self.image = image
        self.address = address
        self.cpus = cpus
        self.memoryMegabytes = memoryMegabytes
    }
}

/// The body of `GET /v1/node`: the edge's limits, instance counts and current resource use.
public struct NodeState: Sendable, Hashable, Codable {
    public var edge: String
    public var instanceLimit: Int
    public var instances: [InstancePhase: Int]
    public var runtimes: [String]
    public var emulatedRuntimes: [String]
    public var usage: NodeMonitor.Sample?
    /// The images (references) the edge has local now: made local for an instance since the
    /// operator started, less what an eviction removed. Absent from an older operator.
    public var images: [String]?

    public init(
        edge: String, instanceLimit: Int, instances: [InstancePhase: Int], runtimes: [String], emulatedRuntimes: [String],
        usage: NodeMonitor.Sample? = nil, images: [String]? = nil
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
