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

/// One round's users: how many, how they arrive over the round, and from which client site.
public struct RoundUsers: Sendable, Hashable {
    public var count: Int
    public var arrival: Arrival
    public var roundMilliseconds: Int
    /// The client site (a region) the users are at, and the address they resolve from; nil:
    /// the clients' own site, in no region.
    public var site: ClientSite?

    public init(count: Int, arrival: Arrival, roundMilliseconds: Int, site: ClientSite? = nil) {
        self.count = count
        self.arrival = arrival
        self.roundMilliseconds = roundMilliseconds
        self.site = site
    }

    public var offsets: [Duration] { arrival.offsets(users: count, roundMilliseconds: roundMilliseconds) }
}

/// Where a site's users are: the region, and the address inside its coverage zone that they
/// resolve from (`Topology.siteAddress(of:)`).
public struct ClientSite: Sendable, Hashable {
    public var region: String
    public var address: IPAddress

    public init(region: String, address: IPAddress) {
        self.region = region
        self.address = address
    }
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
        if let site = round.site, !site.address.isLoopback {
            throw ReplaySiteError(reason: "in process, users resolve over loopback: site \(site.region)'s address \(site.address) is not; replay it on the testbed (--testbed), where each site has its namespace")
        }
        let resolver = Resolver(server: dnsEndpoint, source: round.site?.address)
        return await Round.run(offsets: round.offsets, of: item, topology: configuration.topology, session: UserSession(resolver: resolver, port: configuration.topology.servicePort))
    }
}
