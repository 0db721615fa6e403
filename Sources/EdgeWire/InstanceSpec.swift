import AugurModel

/// What an edge runs: one content object served by one flavor at one address, with the
/// paper's limits. It is what a runtime driver turns into a guest, a container or a process,
/// and what a restarted operator reads back from the runtime to find its instances again.
public struct InstanceSpec: Sendable, Hashable, Codable {
    public var id: String
    public var edge: String
    public var content: String
    public var flavor: String
    public var runtime: RuntimeKind
    /// `REGISTRY/REPOSITORY:TAG` or `REGISTRY/REPOSITORY@sha256:…`.
    public var image: String
    public var address: String
    public var port: Int
    public var cpus: Double
    public var memoryMegabytes: Int
    /// The tiny object the readiness probe fetches.
    public var readinessPath: String

    public init(
        id: String, edge: String, content: String, flavor: String, runtime: RuntimeKind, image: String, address: String, port: Int,
        cpus: Double = 1, memoryMegabytes: Int = 256, readinessPath: String = "/ready"
    ) {
        self.id = id
        self.edge = edge
        self.content = content
        self.flavor = flavor
        self.runtime = runtime
        self.image = image
        self.address = address
        self.port = port
        self.cpus = cpus
        self.memoryMegabytes = memoryMegabytes
        self.readinessPath = readinessPath
    }
}

/// What a driver returns for a booted instance: the technology's own name for it
/// (container id, Xen domain name, process id).
public struct RuntimeHandle: Sendable, Hashable, Codable {
    public var runtimeID: String

    public init(_ runtimeID: String) {
        self.runtimeID = runtimeID
    }
}
