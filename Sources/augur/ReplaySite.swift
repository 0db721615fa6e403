import AugurModel
import EdgeOperator
import Foundation
import Logging
import Orchestrator
import Workload

/// Where a replay's edges and users are. The rounds, the DNS balancer, the control loop and
/// the core's baseline are the same either way; only how the edges are reached and where the
/// users run differ (`InProcessSite`, `TestbedSite`).
protocol ReplaySite: Sendable {
    /// The edges of one run, readied for it (links at the run's rate, where there are links).
    func edges(for run: Scenario.Run, directory: URL) async throws -> ReplayEdges
    /// One round's users, arriving at once; what each saw.
    func users(_ count: Int, of item: ContentItem) async throws -> [UserResult]
}

/// A run's edges as the replay drives and watches them.
struct ReplayEdges: Sendable {
    var connections: [any EdgeConnection]
    /// Work that runs beside the rounds until they end (in-process operators sample usage).
    var watch: @Sendable () async -> Void
    /// The machine's CPU as the first edge last sampled it.
    var machineCPU: @Sendable () async -> Double?
}

/// Everything in this process on loopback: each run gets fresh operators (their own state
/// directories), and the users are child tasks of the replay.
struct InProcessSite: ReplaySite {
    let configuration: AugurConfiguration
    let runtimes: EdgeRuntimeOptions
    let dnsEndpoint: SocketEndpoint
    let logger: Logger

    func edges(for run: Scenario.Run, directory: URL) async throws -> ReplayEdges {
        let operators = configuration.topology.edges.map { node in
            runtimes.makeOperator(node: node, configuration: configuration, stateDirectory: directory.appendingPathComponent(node.name).path, logger: logger)
        }
        return ReplayEdges(
            connections: operators.map(InProcessEdge.init),
            watch: {
                await withDiscardingTaskGroup { group in
                    for edge in operators { group.addTask { await edge.monitorUsage() } }
                }
            },
            machineCPU: { await operators.first?.monitor.latest?.cpuPercent })
    }

    func users(_ count: Int, of item: ContentItem) async throws -> [UserResult] {
        await Round.run(users: count, of: item, topology: configuration.topology, dns: dnsEndpoint)
    }
}
