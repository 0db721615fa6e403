import AugurModel
import EdgeWire
import Foundation
import Orchestrator
import Planning

/// One point of a count or forecast series.
public struct SeriesPoint: Sendable, Codable {
    public var at: Date?
    public var interval: Int?
    public var value: Double
    public var standardError: Double?
}

/// An instance as the orchestrator sees it: the edge's report plus whether DNS answers it.
public struct InstanceView: Sendable, Codable {
    public var instance: EdgeInstance
    public var answered: Bool
    public var removing: Bool

    public init(_ member: Fleet.Member) {
        instance = member.instance
        answered = member.answered
        removing = member.removing
    }
}

/// The topology as the API shows it.
public struct TopologyView: Sendable, Codable {
    public struct NodeView: Sendable, Codable {
        public var name: String
        public var role: String
        public var instanceLimit: Int
        public var pools: [String: String]
        public var linkBitsPerSecond: Int?
        public var linkDelayMilliseconds: Int?
        public var reachable: Bool
    }

    public var zone: String
    public var intervalMilliseconds: Int
    public var nodes: [NodeView]

    init(_ topology: Topology, unreachable: Set<String>) {
        zone = topology.zone.description
        intervalMilliseconds = topology.dns.intervalMilliseconds
        nodes = topology.nodes.map { node in
            NodeView(
                name: node.name, role: node.role.rawValue, instanceLimit: node.instanceLimit,
                pools: Dictionary(uniqueKeysWithValues: node.pools.map { ($0.key.rawValue, $0.value.description) }),
                linkBitsPerSecond: node.link?.bitsPerSecond, linkDelayMilliseconds: node.link?.delayMilliseconds,
                reachable: !unreachable.contains(node.name))
        }
    }
}

/// `GET /v1/status`: what `augur status` prints.
public struct StatusSummary: Sendable, Codable {
    public struct EdgeSummary: Sendable, Codable {
        public var edge: String
        public var reachable: Bool
        /// Instances by phase.
        public var instances: [String: Int]
        public var answered: Int
        /// Live instances by what really runs them (`real-xen-guest`, `real-container`, `emulated`).
        public var truth: [String: Int]?
        /// Why some of its instances' times are only functional (a nested Xen host), if so.
        public var timingNotes: [String]?
    }

    public var intervals: Int
    public var trainingIntervals: Int
    public var latest: IntervalRecord?
    public var edges: [EdgeSummary]
    /// Demand, forecast and what serves it per region (nil: the topology has no regions).
    public var regions: [RegionView]?

    static func make(_ loop: ControlLoop) async -> JSONBody<StatusSummary> {
        let members = await loop.members()
        let unreachable = await loop.unreachableEdges()
        let names = Set(await loop.edgeNames())
        let edges = names.sorted().map { edge in
            let mine = members.filter { $0.instance.spec.edge == edge }
            return EdgeSummary(
                edge: edge, reachable: !unreachable.contains(edge),
                instances: Dictionary(grouping: mine, by: \.instance.phase.rawValue).mapValues(\.count),
                answered: mine.filter(\.answered).count,
                truth: Dictionary(grouping: mine, by: \.instance.truth.rawValue).mapValues(\.count),
                timingNotes: Array(Set(mine.compactMap(\.instance.timingNote))).sorted())
        }
        let latest = await loop.latestInterval()
        let regions = await RegionView.make(loop, latest: latest)
        return JSONBody(StatusSummary(
            intervals: await loop.intervalsClosed(), trainingIntervals: loop.settings.trainingIntervals, latest: latest, edges: edges, regions: regions.isEmpty ? nil : regions))
    }
}

/// One region as the API shows it: its edges and, per content, what its clients asked in the
/// last interval, the share of the content's demand planned for it, its forecast, and the
/// answered instances on its edges with the lookups they serve.
public struct RegionView: Sendable, Codable {
    public struct ContentDemand: Sendable, Codable {
        public var content: String
        public var lookups: Int
        public var share: Double
        public var forecast: Double
        public var instances: Int
        public var capacity: Int
    }

    public var name: String
    public var edges: [String]
    public var contents: [ContentDemand]

    static func make(_ loop: ControlLoop, latest: IntervalRecord?) async -> [RegionView] {
        let capacity = await loop.regionalCapacity()
        let demand = latest?.regions ?? [:]
        return loop.regions.map { region in
            let served = capacity[region.name] ?? [:]
            let names = Set(served.keys).union(demand.compactMap { $0.value[region.name] == nil ? nil : $0.key })
            return RegionView(name: region.name, edges: region.edges, contents: names.sorted().map { content in
                let asked = demand[content]?[region.name]
                let ready = served[content]
                return ContentDemand(
                    content: content, lookups: asked?.lookups ?? 0, share: asked?.share ?? 0, forecast: asked?.forecast ?? 0,
                    instances: ready?.instances ?? 0, capacity: ready?.lookups ?? 0)
            })
        }
    }
}
