import AugurModel
import EdgeLink
import EdgeOperator
import Foundation
import Logging
import Orchestrator
import Workload

/// Where a replay's edges and users are. The rounds, the DNS balancer, the control loop and
/// the core's baseline are the same either way; only how the edges are reached and where the
/// users run differ (`InProcessSite`, `TestbedSite`).
public protocol ReplaySite: Sendable {
    /// The edges of one run, readied for it (links at the run's rate, where there are links).
    func edges(for run: Scenario.Run, directory: URL) async throws -> ReplayEdges
    /// One round's users, arriving as `round` says; what each saw.
    func users(_ round: RoundUsers, of item: ContentItem) async throws -> [UserResult]
}

/// One round's users: how many, and how they arrive over the round.
public struct RoundUsers: Sendable, Hashable {
    public var count: Int
    public var arrival: Arrival
    public var roundMilliseconds: Int

    public init(count: Int, arrival: Arrival, roundMilliseconds: Int) {
        self.count = count
        self.arrival = arrival
        self.roundMilliseconds = roundMilliseconds
    }

    public var offsets: [Duration] { arrival.offsets(users: count, roundMilliseconds: roundMilliseconds) }
}

/// A run's edges as the replay drives and watches them.
public struct ReplayEdges: Sendable {
    public var connections: [any EdgeConnection]
    /// Work that runs beside the rounds until they end (in-process operators sample usage).
    public var watch: @Sendable () async -> Void
    /// The machine's CPU as the first edge last sampled it.
    public var machineCPU: @Sendable () async -> Double?

    public init(connections: [any EdgeConnection], watch: @escaping @Sendable () async -> Void, machineCPU: @escaping @Sendable () async -> Double?) {
        self.connections = connections
        self.watch = watch
        self.machineCPU = machineCPU
    }
}

/// Everything in this process on loopback: each run gets fresh operators (their own state
/// directories, made by `makeOperator`), and the users are child tasks of the replay.
public struct InProcessSite: ReplaySite {
    public let configuration: AugurConfiguration
    public let dnsEndpoint: SocketEndpoint
    /// The operator of an edge node, keeping its state in the given folder.
    public let makeOperator: @Sendable (Node, String) -> EdgeOperator

    public init(configuration: AugurConfiguration, dnsEndpoint: SocketEndpoint, makeOperator: @escaping @Sendable (Node, String) -> EdgeOperator) {
        self.configuration = configuration
        self.dnsEndpoint = dnsEndpoint
        self.makeOperator = makeOperator
    }

    public func edges(for run: Scenario.Run, directory: URL) async throws -> ReplayEdges {
        let operators = configuration.topology.edges.map { node in makeOperator(node, directory.appendingPathComponent(node.name).path) }
        return ReplayEdges(
            connections: operators.map(InProcessEdge.init),
            watch: {
                await withDiscardingTaskGroup { group in
                    for edge in operators { group.addTask { await edge.monitorUsage() } }
                }
            },
            machineCPU: { await operators.first?.monitor.latest?.cpuPercent })
    }

    public func users(_ round: RoundUsers, of item: ContentItem) async throws -> [UserResult] {
        await Round.run(offsets: round.offsets, of: item, topology: configuration.topology, session: UserSession(resolver: Resolver(server: dnsEndpoint), port: configuration.topology.servicePort))
    }
}
