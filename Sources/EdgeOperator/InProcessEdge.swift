import AugurModel
import EdgeLink
import EdgeWire

/// An operator running in the orchestrator's own process (the embedded default).
public struct InProcessEdge: EdgeConnection {
    public let edgeOperator: EdgeOperator

    public init(_ edgeOperator: EdgeOperator) {
        self.edgeOperator = edgeOperator
    }

    public var edge: String { edgeOperator.settings.node.name }

    public func create(_ request: CreateInstanceRequest) async throws -> EdgeInstance {
        try await edgeOperator.create(request)
    }

    public func settled(_ id: String) async throws -> EdgeInstance {
        try await edgeOperator.settled(id, in: [.ready])
    }

    public func instances(since cursor: InstanceCursor?) async throws -> InstanceList {
        await edgeOperator.instances(since: cursor)
    }

    public func remove(_ id: String, drainSeconds: Double) async throws -> EdgeInstance {
        _ = try await edgeOperator.delete(id, drain: .milliseconds(Int64(drainSeconds * 1_000)))
        return try await edgeOperator.settled(id, in: [.gone])
    }

    public func evictImages(runtime: RuntimeKind?) async throws -> ImageEviction {
        try await edgeOperator.evictImages(runtime: runtime)
    }

    public func node() async throws -> NodeState {
        await edgeOperator.nodeState()
    }
}
