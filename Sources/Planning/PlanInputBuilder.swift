import AugurModel
import Optimizer

/// Turns the configuration, the fleet and the forecasts into the optimizer's input: the
/// core's static instances are the baseline, instances on an edge that does not answer do
/// not count, and a flavor's time to ready is its latest measured boot (else its profile)
/// plus the pull at the edge's link rate when the edge lacks the image. Pure.
public struct PlanInputBuilder: Sendable {
    public var configuration: AugurConfiguration
    /// Per content: capacity and deploy flavors in order of preference.
    public var profiles: [String: ContentProfile]
    /// Per flavor, its image megabytes per content (computed once: it does not change per tick).
    private let imageMegabytes: [String: [String: Double]]
    /// Every node by name.
    private let nodes: [String: Node]
    /// The topology's regions with their edges nearest first (a region with none is served
    /// by whatever serves clients in no region).
    private let regions: [PlanRegion]

    public init(configuration: AugurConfiguration, edgeFlavors: [String]? = nil) {
        self.configuration = configuration
        profiles = Dictionary(uniqueKeysWithValues: configuration.catalog.contents.map { item in
            let flavors = edgeFlavors.map { wanted in wanted.filter(item.flavors.contains) } ?? item.flavors
            return (item.name, ContentProfile(capacityPerInstance: item.capacity, flavors: flavors))
        })
        imageMegabytes = configuration.flavors.mapValues { flavor in
            Dictionary(uniqueKeysWithValues: configuration.catalog.contents.map { ($0.name, flavor.imageMegabytes(forContentBytes: $0.sizeBytes) ?? 0) })
        }
        nodes = Dictionary(configuration.topology.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        regions = configuration.topology.regions.filter { !$0.edges.isEmpty }.map { PlanRegion(name: $0.name, edges: $0.edges) }
    }

    /// The input for one interval; only edges in `operated` (those with an operator connection)
    /// take deploys. A `requested` deploy whose instance no edge has reported yet counts as
    /// pulling, so that no one plans it twice.
    public func input(intervalSeconds: Double, demand: [ContentForecast], fleet: Fleet, operated: Set<String>, requested: [ActionRecord] = []) -> PlanInput {
        let topology = configuration.topology
        var instances: [FleetInstance] = topology.core.staticInstances.map { item in
            FleetInstance(id: "static:\(item.address)", content: item.content, flavor: item.flavor, node: topology.core.name, phase: .ready, baseline: true)
        }
        for member in fleet.live where !fleet.unreachable.contains(member.instance.spec.edge) {
            let spec = member.instance.spec
            instances.append(FleetInstance(id: spec.id, content: spec.content, flavor: spec.flavor, node: spec.edge, phase: Self.phase(of: member)))
        }
        for action in requested {
            guard let node = action.edge, let flavor = action.flavor else { continue }
            instances.append(FleetInstance(id: "requested:\(action.id ?? 0)", content: action.content, flavor: flavor, node: node, phase: .pulling))
        }
        let nodes = topology.nodes.map { capacity($0, fleet: fleet, operated: operated) }
        let flavors = configuration.flavors.mapValues { timing($0, fleet: fleet) }
        return PlanInput(intervalSeconds: intervalSeconds, demand: demand, fleet: instances, nodes: nodes, contents: profiles, flavors: flavors, regions: regions)
    }

    /// Per content of `contents`, the instances `input` counts as serving or on their way
    /// (all but those draining): the core's static ones, the live members on answering edges
    /// that are not being removed, and the deploys requested. What the reactive thresholds
    /// need, in one pass over the fleet and without building the whole input.
    public func serving(_ contents: Set<String>, fleet: Fleet, requested: [ActionRecord]) -> [String: Int] {
        var serving = Dictionary(uniqueKeysWithValues: contents.map { ($0, 0) })
        for item in configuration.topology.core.staticInstances where contents.contains(item.content) { serving[item.content, default: 0] += 1 }
        for member in fleet.members.values where !member.instance.phase.isFinal && contents.contains(member.instance.spec.content) {
            if Self.phase(of: member) != .draining, !fleet.unreachable.contains(member.instance.spec.edge) { serving[member.instance.spec.content, default: 0] += 1 }
        }
        for action in requested where action.edge != nil && action.flavor != nil && contents.contains(action.content) { serving[action.content, default: 0] += 1 }
        return serving
    }

    /// A live member as the optimizer sees it: one being removed is draining.
    private static func phase(of member: Fleet.Member) -> FleetInstance.Phase {
        switch member.removing ? .draining : member.instance.phase {
        case .pulling: .pulling
        case .booting: .booting
        case .ready: .ready
        case .draining, .gone, .failed: .draining
        }
    }

    /// Seconds until a deploy of `content` as `flavor` on `edge` is expected ready: the pull
    /// (if the edge lacks the image) at its link's rate, plus the flavor's latest measured boot.
    public func secondsToReady(content: String, flavor name: String, edge: String, fleet: Fleet) -> Double? {
        guard let flavor = configuration.flavors[name], let node = nodes[edge] else { return nil }
        return timing(flavor, fleet: fleet).secondsToReady(content: content, on: capacity(node, fleet: fleet, operated: [edge]), flavor: name)
    }

    private func timing(_ flavor: Flavor, fleet: Fleet) -> FlavorTiming {
        FlavorTiming(
            runtime: flavor.runtime.rawValue,
            bootSeconds: fleet.measuredBoot[flavor.name] ?? Double(flavor.timing.bootMilliseconds) / 1_000,
            imageMegabytes: imageMegabytes[flavor.name] ?? [:], emulable: flavor.emulable, standIn: flavor.standIn)
    }

    private func capacity(_ node: Node, fleet: Fleet, operated: Set<String>) -> NodeCapacity {
        NodeCapacity(
            name: node.name, acceptsDeploys: node.role == .edge, instanceLimit: node.instanceLimit,
            runtimes: Set(node.pools.keys.map(\.rawValue)), linkBitsPerSecond: Double(node.link?.bitsPerSecond ?? 1_000_000_000),
            cachedImages: fleet.cachedImages[node.name] ?? [],
            reachable: node.role == .core || (operated.contains(node.name) && !fleet.unreachable.contains(node.name)),
            realRuntimes: fleet.realRuntimes[node.name] ?? [])
    }
}
