import Foundation

/// Meets, within an interval, demand that no forecast provisioned for: a flash crowd, the
/// first cycle, a pattern that changed. When a content's demand estimate for the interval
/// exceeds its ready capacity by the margin, it deploys what the estimate needs beyond the
/// instances that serve or are on their way: spread over the edges as the plan spreads them
/// (with regions, each region's part of the lookups so far on its own edges, nearest first),
/// and on each edge the flavor that will be ready soonest (an image the edge has first, else
/// the pull at its link's rate, plus the flavor's measured boot). It never removes: scale-in
/// stays with the interval's plan. Pure.
public struct ReactiveScaler: Sendable {
    /// The fraction by which the estimate must exceed ready capacity before it deploys.
    public var margin: Double

    public init(margin: Double = 0.25) {
        self.margin = max(0, margin)
    }

    /// One content's demand within the open interval.
    public struct Demand: Sendable, Hashable {
        public var content: String
        /// Lookups counted so far in the interval.
        public var lookups: Int
        /// The interval's lookups as the recent rate carries them to its end.
        public var projected: Double
        /// The part of the lookups so far made by each region's clients (see `PlanInput.regions`).
        public var regionShares: [String: Double]

        public init(content: String, lookups: Int, projected: Double, regionShares: [String: Double] = [:]) {
            self.content = content
            self.lookups = lookups
            self.projected = projected
            self.regionShares = regionShares
        }
    }

    /// The deploys that meet `demand` now, with their reasons.
    public func plan(_ input: PlanInput, demand: [Demand]) -> Plan {
        var plan = Plan()
        var nodes = NodeOccupancy(input)
        let byContent = Dictionary(grouping: input.fleet.filter(\.serves), by: \.content)
        let nodeByName = Dictionary(input.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for item in demand.sorted(by: { $0.content < $1.content }) {
            guard let profile = input.contents[item.content], profile.capacityPerInstance > 0 else { continue }
            let capacity = Double(profile.capacityPerInstance)
            let serving = byContent[item.content] ?? []
            let ready = serving.filter { $0.phase == .ready }.count
            let estimate = max(Double(item.lookups), item.projected)
            guard estimate > Double(ready) * capacity * (1 + margin) else { continue }
            let want = Int((estimate / capacity).rounded(.up))
            let coming = serving.count - ready
            // With regions, each region's part of the estimate first, near its clients (as the plan does).
            var available = serving.reduce(into: [String: Int]()) { $0[$1.node, default: 0] += 1 }
            let regions = item.regionShares.isEmpty ? [] : input.regions
            var asks: [PlanRegion] = RegionalNeeds.needs(demand: estimate, shares: item.regionShares, regions: regions, capacity: capacity).flatMap { need in
                Array(repeating: need.region, count: RegionalNeeds.take(need.instances, for: need.region, from: &available))
            }
            let deploys = max(want - serving.count, asks.count)
            for placed in 0..<max(0, deploys) {
                let region = asks.isEmpty ? nil : asks.removeFirst()
                let timings = profile.flavors.compactMap { input.flavors[$0] }
                let near = region.flatMap { region in
                    region.edges.lazy.compactMap { nodeByName[$0] }.first { nodes.takes($0, timings) }
                }
                guard let choice = near.flatMap({ soonest(item.content, profile: profile, input: input, nodes: nodes, among: [$0]) })
                    ?? soonest(item.content, profile: profile, input: input, nodes: nodes, among: input.nodes)
                else {
                    plan.unmet.append(UnmetDemand(
                        content: item.content, missingInstances: deploys - placed, reason: "no reachable node with room offers a flavor of \(item.content)"))
                    break
                }
                nodes.place(on: choice.node)
                let whose = region.map { " for \($0.name)'s clients\(near == nil ? ", spilled: its edges have no room" : "")" } ?? ""
                plan.actions.append(.deploy(
                    content: item.content, flavor: choice.flavor, node: choice.node,
                    reason: String(format: "reactive: %d lookups so far, ~%.0f this interval need %d instance(s), %d ready, %d on the way%@; %@ ready in ~%.1f s",
                                   item.lookups, estimate, want, ready, coming + placed, whose, choice.flavor, choice.seconds)))
            }
        }
        return plan
    }

    /// Per content, the lookups in an interval beyond which a reaction would deploy: the
    /// capacity of what serves or is on its way, plus the margin. The DNS counters watch it,
    /// so that the lookup that crosses it starts a check at once.
    public func thresholds(_ input: PlanInput) -> [String: Int] {
        let serving = Dictionary(grouping: input.fleet.filter(\.serves), by: \.content).mapValues(\.count)
        return Dictionary(uniqueKeysWithValues: input.contents.map { content, profile in
            (content, threshold(serving: serving[content] ?? 0, capacityPerInstance: profile.capacityPerInstance))
        })
    }

    /// The threshold of a content with `serving` instances (serving or on their way) of
    /// `capacityPerInstance` lookups each.
    public func threshold(serving: Int, capacityPerInstance: Int) -> Int {
        Int((Double(serving * capacityPerInstance) * (1 + margin)).rounded(.down))
    }

    private struct Choice {
        let node: String
        let flavor: String
        let seconds: Double
    }

    /// Of `candidates`, the node with the fewest instances that can take one (spreading a crowd over the
    /// edges' links; ties go to the node ready soonest), and on it the flavor ready soonest
    /// (ties go to the content's preferred flavor).
    private func soonest(_ content: String, profile: ContentProfile, input: PlanInput, nodes: NodeOccupancy, among candidates: [NodeCapacity]) -> Choice? {
        let timings = profile.flavors.compactMap { input.flavors[$0] }
        var best: (choice: Choice, rank: (Int, Double, String))?
        for node in candidates where nodes.takes(node, timings) {
            let options = profile.flavors.compactMap { flavor -> Choice? in
                guard let timing = input.flavors[flavor], node.runs(timing) else { return nil }
                return Choice(node: node.name, flavor: flavor, seconds: timing.secondsToReady(content: content, on: node, flavor: flavor))
            }
            guard let fastest = options.min(by: { $0.seconds < $1.seconds }) else { continue }
            let rank = (nodes.serving[node.name] ?? 0, fastest.seconds, node.name)
            if best.map({ rank < $0.rank }) ?? true { best = (fastest, rank) }
        }
        return best?.choice
    }
}
