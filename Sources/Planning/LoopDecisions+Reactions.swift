import Deadline

/// What the loop decides within an interval: reacting to the reacting contents' demand so
/// far, the thresholds that call for a check at once, and the DNS hold gates.
extension LoopDecisions {
    /// The reacting contents' lookups so far in the open interval (`counts`, every content's;
    /// the others are ignored). `crossing`: a lookup passed a threshold, and the counts are
    /// taken as they are; else a periodic read, `reactEvery` after the last. Deploys what
    /// their demand needs beyond what serves or is on its way, where it is ready soonest
    /// (with regions, each region's part of `byRegion` near its clients first).
    public mutating func demandRead(_ counts: [String: Int], byRegion: [String: [String: Int]] = [:], crossing: Bool, at time: LoopTime) -> [LoopAction] {
        let reacting = planner.reacting
        guard !reacting.isEmpty else { return [] }
        let lookups = counts.filter { reacting.contains($0.key) }
        let projected = crossing
            ? demandWindow.current(lookups)
            : demandWindow.read(lookups, windowSeconds: settings.reactEvery.inSeconds, intervalSeconds: settings.intervalSeconds)
        let deploys = planner.react(
            lookups: lookups, projected: projected, at: time.date, progress: &progress, fleet: fleet, operated: edges,
            requested: Array(requested.values), earlier: reactions, regionalLookups: byRegion)
        guard !deploys.isEmpty else { return [] }
        reactions += deploys.count
        reactiveDeploys += deploys.count
        var actions: [LoopAction] = []
        for deploy in deploys {
            actions.append(.storeAction(deploy))
            actions.append(event("react", deploy.content, "\(deploy.reason)\(crossing ? " (a lookup passed what serves)" : "")", at: time))
            actions += start(deploy, at: time)
        }
        return actions + [thresholds()]
    }

    /// The lookup past which each reacting content's next lookup calls for a check at once.
    func thresholds() -> LoopAction {
        .watchThresholds(planner.thresholds(fleet: fleet, requested: Array(requested.values)))
    }

    /// Whether lookups of `content` past what its ready instances serve may be held: only
    /// while a deploy is on its way and expected ready within the content's hold bound. With
    /// regions, each region's clients have a gate of their own: past what the instances on
    /// the region's edges serve, while a deploy is on its way to one of them.
    mutating func gate(_ content: String, at time: LoopTime) -> [LoopAction] {
        let bound = planner.policies[content].flatMap(settings.holdBound)
        guard bound != nil || gated.contains(content) else { return [] }
        let regions = configuration.topology.regions
        guard let bound else {
            gated.remove(content)
            return [.gate(content: content, readyLookups: .max, readyIn: nil, bound: nil)]
                + regions.map { .regionalGate(content: content, region: $0.name, readyLookups: .max, readyIn: nil, bound: nil) }
        }
        gated.insert(content)
        let onTheWay = expected[content]?.values ?? [:].values
        func soonest(_ deploys: some Sequence<ExpectedReady>) -> Duration? {
            deploys.map(\.at).min().map { $0 - time.now }.flatMap { $0 > .zero ? $0 : nil }
        }
        return [.gate(content: content, readyLookups: readyCapacity(content).lookups, readyIn: soonest(onTheWay), bound: bound)] + regions.map { region in
            let near = Set(region.edges)
            let instances = region.edges.reduce(0) { $0 + fleet.answered(content, onEdge: $1) }
            return .regionalGate(
                content: content, region: region.name, readyLookups: capacity(content, instances: instances).lookups,
                readyIn: soonest(onTheWay.filter { near.contains($0.edge) }), bound: bound)
        }
    }

    /// What serves `content` now: its answered instances and the core's static ones, and the
    /// lookups per interval they serve.
    public func readyCapacity(_ content: String) -> ReadyCapacity {
        capacity(content, instances: fleet.answeredByContent[content, default: 0] + staticInstances[content, default: 0])
    }

    /// What `instances` of `content` serve: the lookups per interval at its capacity per instance.
    func capacity(_ content: String, instances: Int) -> ReadyCapacity {
        ReadyCapacity(instances: instances, lookups: instances * (planner.builder.profiles[content]?.capacityPerInstance ?? 0))
    }
}
