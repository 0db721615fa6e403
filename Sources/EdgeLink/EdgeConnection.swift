import AugurModel
import EdgeWire

/// How the orchestrator drives one edge, whether its operator is another process reached over
/// HTTP or runs inside `augur serve`: the same calls either way, so the control loop does
/// not know the difference.
public protocol EdgeConnection: Sendable {
    var edge: String { get }
    /// Starts an instance; returns at once with it pulling.
    func create(_ request: CreateInstanceRequest) async throws -> EdgeInstance
    /// Waits until the instance is ready, failed or gone.
    func settled(_ id: String) async throws -> EdgeInstance
    /// Everything the edge runs or ran recently, the truth the loop reconciles with; or, from
    /// a cursor an earlier list gave, only what changed since (the edge decides: see `InstanceList.complete`).
    func instances(since cursor: InstanceCursor?) async throws -> InstanceList
    /// Drains (bounded by `drainSeconds`) and destroys; returns once the instance is gone.
    func remove(_ id: String, drainSeconds: Double) async throws -> EdgeInstance
    /// Evicts the registry's images no live instance uses, of one runtime or all.
    func evictImages(runtime: RuntimeKind?) async throws -> ImageEviction
    /// The edge's limit, instances by phase, and which runtimes it runs for real or emulates.
    func node() async throws -> NodeState
}

extension EdgeConnection {
    /// Everything the edge runs or ran recently.
    public func instances() async throws -> [EdgeInstance] {
        try await instances(since: nil).instances
    }
}

/// An operator in another process (`augur edge`), through its HTTP API.
public struct RemoteEdge: EdgeConnection {
    public let client: EdgeClient

    public init(client: EdgeClient) {
        self.client = client
    }

    public var edge: String { client.edge }

    public func create(_ request: CreateInstanceRequest) async throws -> EdgeInstance {
        try await client.create(request)
    }

    public func settled(_ id: String) async throws -> EdgeInstance {
        try await client.instance(id, waitUntilSettled: true)
    }

    public func instances(since cursor: InstanceCursor?) async throws -> InstanceList {
        try await client.instances(since: cursor)
    }

    public func remove(_ id: String, drainSeconds: Double) async throws -> EdgeInstance {
        try await client.delete(id, drainSeconds: drainSeconds, waitUntilGone: true)
    }

    public func evictImages(runtime: RuntimeKind?) async throws -> ImageEviction {
        try await client.evictImages(runtime: runtime)
    }

    public func node() async throws -> NodeState {
        try await client.node()
    }
}
