import Foundation

/// Turns forecast demand into deploy and drain actions, deterministically and without I/O.
///
/// Per content: instances needed = ⌈demand / capacity per instance⌉ against the instances
/// that serve (ready, booting, pulling). With regions, each region's part of the demand is
/// met first by instances on the region's edges, and a new one for it goes to the nearest of
/// them with room (to the rest only when all are full: a spill, said in the reason); removals
/// leave every region what its part needs (see `RegionalNeeds`). Other new instances go to the node with the fewest
/// instances that can take one (reachable, under its limit counting draining instances as its
/// operator does, running the flavor: for real where it is never emulated, emulated where its
/// images are stand-ins);
/// removals come from the node with the most, never the baseline. With `lookahead`, the
/// demand that counts is the one of the interval in which the new instance would be ready.
public struct CachingOptimizer: Sendable {
    public var policy: PlanPolicy

    public init(policy: PlanPolicy = .paper) {
        self.policy = policy
    }

    public func plan(_ input: PlanInput, interval: Int, memory: inout PlannerMemory) -> Plan {
        var plan = Plan()
        var nodes = NodeOccupancy(input)
        let z = Self.normalQuantile(policy.quantile)
        let servingByContent = Dictionary(grouping: input.fleet.filter(\.serves), by: \.content)
        let nodeByName = Dictionary(input.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        for forecast in input.demand.sorted(by: { $0.content < $1.content }) {
            guard let profile = input.contents[forecast.content], profile.capacityPerInstance > 0, !forecast.steps.isEmpty else { continue }
            let serving = servingByContent[forecast.content] ?? []
            /// The demand provisioned for: the policy's quantile of the step's forecast, rounded to
            /// a millionth so that float noise (100.0000001) does not ask for one more instance.
            func demand(_ step: ContentForecast.Step) -> Double {
                (max(0, step.mean + z * step.standardError) * 1e6).rounded() / 1e6
            }
            func needed(_ step: ContentForecast.Step) -> Int {
                Int((demand(step) / Double(profile.capacityPerInstance)).rounded(.up))
            }
            let window = Array(forecast.steps.prefix(policy.lookahead ? forecast.steps.count : 1))
            let capacity = Double(profile.capacityPerInstance)
            let regions = forecast.regionShares.isEmpty ? [] : input.regions
            let servingByNode = serving.reduce(into: [String: Int]()) { $0[$1.node, default: 0] += 1 }
            var placedByNode: [String: Int] = [:]
            var deploys = 0
            steps: for (k, step) in window.enumerated() {
                let want = needed(step)
                // Each region's part first, on the region's own edges nearest first; then the
                // whole demand, wherever there is room.
                var available = servingByNode.merging(placedByNode, uniquingKeysWith: +)
                let asks: [(region: PlanRegion?, share: Double, missing: Int)] = RegionalNeeds.needs(
                    demand: demand(step), shares: forecast.regionShares, regions: regions, capacity: capacity
                ).compactMap { need in
                    let missing = RegionalNeeds.take(need.instances, for: need.region, from: &available)
                    return missing > 0 ? (need.region, need.share, missing) : nil
                }
                var pending = asks.flatMap { ask in Array(repeating: (region: ask.region, share: ask.share), count: ask.missing) }
                while !pending.isEmpty || want > serving.count + deploys {
                    let (region, share) = pending.isEmpty ? (nil, 0) : pending.removeFirst()
                    let timings = profile.flavors.compactMap { input.flavors[$0] }
                    let near = region.flatMap { region in region.edges.lazy.compactMap { nodeByName[$0] }.first { nodes.takes($0, timings) } }
                    guard let node = near ?? nodes.fewestServing(where: { nodes.takes($0, timings) }),
                          let choice = Self.flavor(forecast.content, profile: profile, dueSeconds: Double(k) * input.intervalSeconds, input: input, on: node)
                    else {
                        plan.unmet.append(UnmetDemand(
                            content: forecast.content, missingInstances: max(want - serving.count - deploys, pending.count + (region == nil ? 0 : 1)),
                            reason: "no reachable node with room offers a flavor of \(forecast.content)"))
                        break steps
                    }
                    // Start now only what would be late if started at the next tick.
                    guard k <= 1 || choice.seconds > Double(k - 1) * input.intervalSeconds else { break }
                    nodes.place(on: choice.node)
                    placedByNode[choice.node, default: 0] += 1
                    deploys += 1
                    memory.lastDeploy[forecast.content] = interval
                    let whose = region.map { region in
                        let spill = near == nil ? ", spilled: \(region.name)'s edges (\(region.edges.joined(separator: ", "))) have no room" : ""
                        return " for \(region.name)'s clients (\(Int((share * 100).rounded()))% of demand\(spill))"
                    } ?? ""
                    plan.actions.append(.deploy(
                        content: forecast.content, flavor: choice.flavor, node: choice.node,
                        reason: "forecast \(Self.format(step.mean)) req \(k + 1) interval(s) ahead needs \(want) instance(s), \(serving.count + deploys - 1) serve\(whose); \(choice.flavor) ready in ~\(Self.format(choice.seconds)) s"))
                }
            }
            guard deploys == 0 else { continue }
            // Keep capacity for the peak of the window plus the margin; remove the rest, but
            // none a region's part needs (see `RegionalNeeds`).
            let peak = window.map(demand).max() ?? 0
            var surplus = Int(((Double(serving.count) * capacity - peak) / capacity - policy.removalMargin).rounded(.down))
            let cooling = memory.lastDeploy[forecast.content].map { interval - $0 < policy.cooldownIntervals } ?? false
            let stabilizing = memory.lastReaction[forecast.content].map { interval - $0 <= policy.stabilizationIntervals } ?? false
            guard surplus > 0, !cooling, !stabilizing else { continue }
            var spare = RegionalNeeds.spare(servingByNode, after: RegionalNeeds.needs(demand: peak, shares: forecast.regionShares, regions: regions, capacity: capacity))
            var removable = serving.filter { !$0.baseline }
            while surplus > 0, !removable.isEmpty {
                // From the node with the most instances; instances not yet ready go first.
                removable.sort { a, b in
                    let la = nodes.serving[a.node] ?? 0, lb = nodes.serving[b.node] ?? 0
                    if la != lb { return la > lb }
                    if (a.phase == .ready) != (b.phase == .ready) { return a.phase != .ready }
                    return a.id < b.id
                }
                guard let index = removable.firstIndex(where: { spare[$0.node, default: 0] > 0 }) else { break }
                let victim = removable.remove(at: index)
                spare[victim.node, default: 0] -= 1
                nodes.remove(from: victim.node)
                surplus -= 1
                plan.actions.append(.drain(instance: victim.id, reason: "forecast peak \(Self.format(peak)) req needs \(Int((peak / capacity).rounded(.up))) instance(s), \(serving.count) serve"))
            }
        }
        return plan
    }

    private struct Choice {
        let node: String
        let flavor: String
        let seconds: Double
    }

    /// On `node`, the first flavor (in the content's preference order) ready before the
    /// demand is due, else the fastest.
    private static func flavor(_ content: String, profile: ContentProfile, dueSeconds due: Double, input: PlanInput, on node: NodeCapacity) -> Choice? {
        let options: [Choice] = profile.flavors.compactMap { flavor in
            guard let timing = input.flavors[flavor], node.runs(timing) else { return nil }
            let seconds = timing.secondsToReady(content: content, on: node, flavor: flavor)
            return Choice(node: node.name, flavor: flavor, seconds: seconds)
        }
        return options.first { $0.seconds <= due } ?? options.min { $0.seconds < $1.seconds }
    }

    /// Φ⁻¹(p) by Acklam's rational approximation (relative error < 1.2e-9).
    static func normalQuantile(_ p: Double) -> Double {
        let p = min(max(p, 1e-12), 1 - 1e-12)
        if p == 0.5 { return 0 }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        func tail(_ q: Double) -> Double {
            (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p < 0.02425 { return tail((-2 * log(p)).squareRoot()) }
        if p > 1 - 0.02425 { return -tail((-2 * log(1 - p)).squareRoot()) }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
