import Testing
@testable import Optimizer

/// The paper's testbed as the optimizer sees it: a core holding the Flask baseline, four
/// edges offering Xen and Docker, 30 s intervals, 20 concurrent requests per instance.
struct Testbed {
    var nodes: [NodeCapacity] = [NodeCapacity(name: "core", acceptsDeploys: false, instanceLimit: 8, runtimes: ["docker"], linkBitsPerSecond: 1e9)]
        + (1...4).map { NodeCapacity(name: "edge-\($0)", instanceLimit: 8, runtimes: ["xen", "docker"], linkBitsPerSecond: 100e6) }
    var fleet = [FleetInstance(id: "core-flask", content: "video5", flavor: "flask", node: "core", phase: .ready, baseline: true)]
    var flavors: [String] = ["clickos"]
    var memory = PlannerMemory()
    var nextID = 0
    /// Where clients are (none: the paper's one client site), and video5's demand by region.
    var regions: [PlanRegion] = []
    var shares: [String: Double] = [:]

    static let timings = [
        "clickos": FlavorTiming(runtime: "xen", bootSeconds: 0.5, imageMegabytes: ["video5": 9.4]),
        "flask": FlavorTiming(runtime: "docker", bootSeconds: 1.0, imageMegabytes: ["video5": 89.2]),
    ]

    func input(_ steps: [ContentForecast.Step]) -> PlanInput {
        PlanInput(intervalSeconds: 30, demand: [ContentForecast(content: "video5", steps: steps, regionShares: shares)], fleet: fleet, nodes: nodes,
                  contents: ["video5": ContentProfile(capacityPerInstance: 20, flavors: flavors)], flavors: Self.timings, regions: regions)
    }

    /// Plans one interval and applies the plan as if every deploy became ready at once.
    mutating func tick(_ optimizer: CachingOptimizer, interval: Int, _ means: [Double]) -> Plan {
        let plan = optimizer.plan(input(means.map { ContentForecast.Step(mean: $0) }), interval: interval, memory: &memory)
        for action in plan.actions {
            switch action {
            case .deploy(let content, let flavor, let node, _):
                nextID += 1
                fleet.append(FleetInstance(id: "i\(nextID)", content: content, flavor: flavor, node: node, phase: .ready))
            case .drain(let id, _):
                fleet.removeAll { $0.id == id }
            }
        }
        return plan
    }
}

extension PlanAction {
    var deployedNode: String? {
        if case .deploy(_, _, let node, _) = self { return node }
        return nil
    }

    var deployedFlavor: String? {
        if case .deploy(_, let flavor, _, _) = self { return flavor }
        return nil
    }

    var drained: String? {
        if case .drain(let id, _) = self { return id }
        return nil
    }
}

@Suite struct CachingOptimizerTests {
    @Test func hundredUsersMeanTheCorePlusFourEdgeInstances() {
        var testbed = Testbed()
        let plan = testbed.tick(CachingOptimizer(), interval: 10, [100])
        #expect(plan.actions.compactMap(\.deployedNode) == ["edge-1", "edge-2", "edge-3", "edge-4"], "one per edge: always the one with the fewest")
        #expect(plan.actions.compactMap(\.deployedFlavor) == ["clickos", "clickos", "clickos", "clickos"])
        #expect(plan.unmet.isEmpty)
        #expect(testbed.fleet.count == 5)
        // The same forecast again changes nothing.
        #expect(testbed.tick(CachingOptimizer(), interval: 11, [100]).actions.isEmpty)
    }

    @Test func removalsComeFromTheFullestNodeAndNeverTheBaseline() {
        var testbed = Testbed()
        testbed.fleet += [
            FleetInstance(id: "a", content: "video5", flavor: "clickos", node: "edge-1", phase: .ready),
            FleetInstance(id: "b", content: "video5", flavor: "clickos", node: "edge-2", phase: .ready),
            FleetInstance(id: "c", content: "video5", flavor: "clickos", node: "edge-2", phase: .ready),
            FleetInstance(id: "d", content: "video9", flavor: "clickos", node: "edge-2", phase: .ready),
        ]
        let plan = testbed.tick(CachingOptimizer(), interval: 5, [40])
        // The baseline, a, b and c serve video5; 40 requests need 2. edge-2 (three instances,
        // one of another content) gives up b, and then still holds the most: c.
        #expect(plan.actions.compactMap(\.drained) == ["b", "c"])
        let quiet = testbed.tick(CachingOptimizer(), interval: 6, [0])
        #expect(quiet.actions.compactMap(\.drained) == ["a"], "with no demand, all but the baseline go")
        #expect(testbed.fleet.contains { $0.id == "core-flask" })
    }

    @Test func aSlowFlavorStartsEarlyEnoughAndAFastOneWaits() {
        var testbed = Testbed()
        testbed.nodes = testbed.nodes.map { var node = $0; node.linkBitsPerSecond = 10e6; return node }
        let lookahead = CachingOptimizer(policy: PlanPolicy(lookahead: true))
        // Only Flask: an 89 MB image over 10 Mbps takes ~76 s, so the surge two intervals
        // ahead must be provisioned now.
        testbed.flavors = ["flask"]
        let early = testbed.tick(lookahead, interval: 1, [20, 20, 100])
        #expect(early.actions.compactMap(\.deployedFlavor) == ["flask", "flask", "flask", "flask"])

        // Flask preferred, ClickOS allowed: ClickOS is ready in ~8 s, so nothing starts yet...
        var second = Testbed()
        second.nodes = testbed.nodes
        second.flavors = ["flask", "clickos"]
        #expect(second.tick(lookahead, interval: 1, [20, 20, 100]).actions.isEmpty)
        // ...and one tick later Flask cannot make it in time, so ClickOS goes.
        let next = second.tick(lookahead, interval: 2, [20, 100])
        #expect(next.actions.compactMap(\.deployedFlavor) == ["clickos", "clickos", "clickos", "clickos"])
        // The paper's rule, planning one interval ahead only, would not have started at all.
        var paper = Testbed()
        paper.nodes = testbed.nodes
        #expect(paper.tick(CachingOptimizer(), interval: 2, [20, 100]).actions.isEmpty)
    }

    @Test func provisioningToAQuantileAddsHeadroom() {
        var mean = Testbed()
        let byMean = mean.optimizerPlan(CachingOptimizer(), mean: 90, error: 20)
        var upper = Testbed()
        let byQuantile = upper.optimizerPlan(CachingOptimizer(policy: PlanPolicy(quantile: 0.95)), mean: 90, error: 20)
        #expect(byMean.actions.count == 4, "⌈90/20⌉ = 5 with the baseline")
        #expect(byQuantile.actions.count == 6, "⌈(90 + 1.645·20)/20⌉ = 7 with the baseline")
        #expect(abs(CachingOptimizer.normalQuantile(0.975) - 1.959963984540054) < 1e-8)
    }

    @Test func hysteresisStopsFlappingOnANoisyFlatSeries() {
        let noisy: [Double] = [65, 35, 65, 35, 65, 35, 65, 35]
        var paper = Testbed()
        var steady = Testbed()
        let calm = CachingOptimizer(policy: PlanPolicy(removalMargin: 1.5, cooldownIntervals: 2))
        var paperActions = 0
        var calmActions = 0
        for (interval, demand) in noisy.enumerated() {
            paperActions += paper.tick(CachingOptimizer(), interval: interval, [demand]).actions.count
            calmActions += steady.tick(calm, interval: interval, [demand]).actions.count
        }
        #expect(paperActions == 3 + 7 * 2, "the paper's rule adds and removes two instances every interval")
        #expect(calmActions == 3, "with hysteresis: three deploys once, then nothing")
    }

    @Test func limitsAreRespectedAndUnmetDemandIsReported() {
        var testbed = Testbed()
        testbed.nodes = testbed.nodes.map { var node = $0; node.instanceLimit = 1; return node }
        testbed.nodes[4].reachable = false
        let plan = testbed.tick(CachingOptimizer(), interval: 0, [200])
        #expect(plan.actions.compactMap(\.deployedNode) == ["edge-1", "edge-2", "edge-3"], "edge-4 is unreachable, each edge takes one")
        #expect(plan.unmet == [UnmetDemand(content: "video5", missingInstances: 6, reason: "no reachable node with room offers a flavor of video5")])
    }
}

extension Testbed {
    mutating func optimizerPlan(_ optimizer: CachingOptimizer, mean: Double, error: Double) -> Plan {
        optimizer.plan(input([ContentForecast.Step(mean: mean, standardError: error)]), interval: 0, memory: &memory)
    }
}

extension CachingOptimizerTests {
    @Test func floatNoiseInAForecastNeitherAddsNorKeepsAnInstance() {
        var testbed = Testbed()
        #expect(testbed.tick(CachingOptimizer(), interval: 10, [100.000000001]).actions.count == 4, "the core and four edge instances, not five")
        #expect(testbed.tick(CachingOptimizer(), interval: 11, [20.000000001]).actions.compactMap(\.drained).count == 4, "the core alone serves 20")
    }
}

/// A flavor that is never emulated (`xen-linux`) goes only where its runtime is real.
@Suite struct RealRuntimePlacementTests {
    static let flavors = [
        "xen-linux": FlavorTiming(runtime: "xen", bootSeconds: 12, imageMegabytes: ["video5": 14.4], emulable: false),
        "clickos": FlavorTiming(runtime: "xen", bootSeconds: 0.5, imageMegabytes: ["video5": 9.4]),
    ]

    static func plan(nodes: [NodeCapacity], flavors: [String]) -> Plan {
        var memory = PlannerMemory()
        let input = PlanInput(
            intervalSeconds: 30, demand: [ContentForecast(content: "video5", steps: [ContentForecast.Step(mean: 40)])], fleet: [], nodes: nodes,
            contents: ["video5": ContentProfile(capacityPerInstance: 20, flavors: flavors)], flavors: Self.flavors)
        return CachingOptimizer().plan(input, interval: 1, memory: &memory)
    }

    /// Each deploy of a plan as FLAVOR@NODE.
    static func placements(_ plan: Plan) -> [String] {
        plan.actions.compactMap { action -> String? in
            guard let node = action.deployedNode, let flavor = action.deployedFlavor else { return nil }
            return "\(flavor)@\(node)"
        }
    }

    @Test func onlyTheEdgeThatRunsXenForRealTakesXenLinux() {
        let nodes = [
            NodeCapacity(name: "edge-1", instanceLimit: 8, runtimes: ["xen", "docker"], linkBitsPerSecond: 100e6),
            NodeCapacity(name: "edge-4", instanceLimit: 8, runtimes: ["xen"], linkBitsPerSecond: 100e6, realRuntimes: ["xen"]),
        ]
        let plan = Self.plan(nodes: nodes, flavors: ["xen-linux"])
        #expect(plan.actions.compactMap(\.deployedNode) == ["edge-4", "edge-4"])
        #expect(plan.actions.compactMap(\.deployedFlavor) == ["xen-linux", "xen-linux"])
    }

    @Test func anEmulatedXenEdgeFallsBackToAnEmulableFlavor() {
        let nodes = [NodeCapacity(name: "edge-1", instanceLimit: 8, runtimes: ["xen"], linkBitsPerSecond: 100e6)]
        #expect(Self.plan(nodes: nodes, flavors: ["xen-linux", "clickos"]).actions.compactMap(\.deployedFlavor) == ["clickos", "clickos"])
        let none = Self.plan(nodes: nodes, flavors: ["xen-linux"])
        #expect(none.actions.isEmpty)
        #expect(!none.unmet.isEmpty, "the demand it cannot place is reported unmet")
    }
}

extension RealRuntimePlacementTests {
    @Test func aStandInFlavorStaysOffTheRealXenEdge() {
        var flavors = Self.flavors
        flavors["clickos"]?.standIn = true
        let nodes = [
            NodeCapacity(name: "edge-1", instanceLimit: 8, runtimes: ["xen"], linkBitsPerSecond: 100e6),
            NodeCapacity(name: "edge-4", instanceLimit: 8, runtimes: ["xen"], linkBitsPerSecond: 100e6, realRuntimes: ["xen"]),
        ]
        var memory = PlannerMemory()
        // Demand due at once: ClickOS would be ready first everywhere, but edge-4's Xen is real.
        let input = PlanInput(
            intervalSeconds: 1, demand: [ContentForecast(content: "video5", steps: [ContentForecast.Step(mean: 40)])], fleet: [], nodes: nodes,
            contents: ["video5": ContentProfile(capacityPerInstance: 20, flavors: ["xen-linux", "clickos"])], flavors: flavors)
        let plan = CachingOptimizer().plan(input, interval: 1, memory: &memory)
        let placed = Self.placements(plan)
        #expect(placed.sorted() == ["clickos@edge-1", "xen-linux@edge-4"], "\(placed)")
    }
}

extension RealRuntimePlacementTests {
    /// The catalog's order (augur-uk, the ClickOS stand-in, …, xen-linux): a real Xen edge
    /// takes Augur's own unikernel, an emulated one the stand-in, and xen-linux neither.
    @Test func theRealXenEdgeTakesAugursUnikernelAndTheEmulatedOneTheStandIn() {
        var flavors = Self.flavors
        flavors["clickos"]?.standIn = true
        flavors["augur-uk"] = FlavorTiming(runtime: "xen", bootSeconds: 7, imageMegabytes: ["video5": 5.1], emulable: false)
        let nodes = [
            NodeCapacity(name: "edge-1", instanceLimit: 1, runtimes: ["xen"], linkBitsPerSecond: 100e6),
            NodeCapacity(name: "edge-4", instanceLimit: 1, runtimes: ["xen"], linkBitsPerSecond: 100e6, realRuntimes: ["xen"]),
        ]
        var memory = PlannerMemory()
        let input = PlanInput(
            intervalSeconds: 30, demand: [ContentForecast(content: "video5", steps: [ContentForecast.Step(mean: 40)])], fleet: [], nodes: nodes,
            contents: ["video5": ContentProfile(capacityPerInstance: 20, flavors: ["augur-uk", "clickos", "xen-linux"])], flavors: flavors)
        let plan = CachingOptimizer().plan(input, interval: 1, memory: &memory)
        let placed = Self.placements(plan)
        #expect(placed.sorted() == ["augur-uk@edge-4", "clickos@edge-1"], "\(placed)")
    }
}

/// One rule for a node's instance limit, the operator's: draining instances count until gone.
@Suite struct InstanceLimitTests {
    @Test func aNodeFullWithDrainingInstancesTakesNoDeploy() {
        var testbed = Testbed()
        testbed.nodes = [
            NodeCapacity(name: "edge-1", instanceLimit: 2, runtimes: ["xen"], linkBitsPerSecond: 100e6),
            NodeCapacity(name: "edge-2", instanceLimit: 2, runtimes: ["xen"], linkBitsPerSecond: 100e6),
        ]
        testbed.fleet = [
            FleetInstance(id: "a", content: "video9", flavor: "clickos", node: "edge-1", phase: .draining),
            FleetInstance(id: "b", content: "video9", flavor: "clickos", node: "edge-1", phase: .draining),
            FleetInstance(id: "c", content: "video9", flavor: "clickos", node: "edge-2", phase: .ready),
        ]
        let plan = testbed.tick(CachingOptimizer(), interval: 1, [40])
        // edge-1 serves nothing but its operator still holds two instances: at its limit.
        #expect(plan.actions.compactMap(\.deployedNode) == ["edge-2"])
        #expect(plan.unmet.map(\.missingInstances) == [1])
    }
}
