import ServiceLifecycle

/// Runs an edge operator's background work under a service group: first finds the instances
/// the runtimes already run (after a restart), then samples node and instance use until shutdown.
public struct EdgeOperatorService: Service {
    let edge: EdgeOperator

    public init(edge: EdgeOperator) {
        self.edge = edge
    }

    public func run() async throws {
        await edge.recover()
        await cancelWhenGracefulShutdown { await edge.monitorUsage() }
    }
}
