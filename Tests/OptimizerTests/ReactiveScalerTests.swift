import Testing
@testable import Optimizer

/// A surge within an interval: deploys only past the margin, as many as the estimate needs
/// beyond what serves or is on its way, each where it is ready soonest; never a removal.
@Suite struct ReactiveScalerTests {
    static func demand(_ lookups: Int, projected: Double? = nil) -> [ReactiveScaler.Demand] {
        [ReactiveScaler.Demand(content: "video5", lookups: lookups, projected: projected ?? Double(lookups))]
    }

    @Test func demandWithinTheMarginDeploysNothing() {
        let testbed = Testbed()
        // The core's one instance serves 20; 25 is within the 25 % margin.
        #expect(ReactiveScaler().plan(testbed.input([]), demand: Self.demand(25)).actions.isEmpty)
        #expect(ReactiveScaler().plan(testbed.input([]), demand: Self.demand(26)).actions.count == 1)
    }

    @Test func aSurgeGetsWhatItsEstimateNeedsBeyondWhatIsOnItsWay() {
        var testbed = Testbed()
        testbed.fleet.append(FleetInstance(id: "booting", content: "video5", flavor: "clickos", node: "edge-1", phase: .booting))
        // 52 lookups so far, 352 projected: 18 instances; the core serves and one is booting.
        let plan = ReactiveScaler().plan(testbed.input([]), demand: Self.demand(52, projected: 352))
        #expect(plan.actions.count == 16)
        #expect(plan.actions.allSatisfy { $0.drained == nil })
        #expect(plan.unmet.isEmpty)
        // The lookups so far bound the estimate from below.
        #expect(ReactiveScaler().plan(testbed.input([]), demand: Self.demand(100, projected: 10)).actions.count == 3)
    }

    @Test func deploysSpreadOverTheEdgesEachWithItsFlavorReadySoonest() {
        var testbed = Testbed()
        testbed.flavors = ["flask", "clickos"]
        // edge-3 has the Flask image: no pull there (1 s); elsewhere Flask pulls 89 MB at
        // 100 Mbps, ClickOS 9.4 MB (0.8 + 0.5 s). Empty edges tie: edge-3 is ready soonest.
        testbed.nodes[3].cachedImages = ["flask/video5"]
        testbed.fleet.append(FleetInstance(id: "busy", content: "video5", flavor: "clickos", node: "edge-1", phase: .ready))
        let plan = ReactiveScaler().plan(testbed.input([]), demand: Self.demand(100))
        #expect(plan.actions.map(\.deployedNode) == ["edge-3", "edge-2", "edge-4"])
        #expect(plan.actions.map(\.deployedFlavor) == ["flask", "clickos", "clickos"])
    }

    @Test func noNodeWithRoomIsUnmetDemand() {
        var testbed = Testbed()
        for index in testbed.nodes.indices { testbed.nodes[index].reachable = testbed.nodes[index].name == "core" }
        let plan = ReactiveScaler().plan(testbed.input([]), demand: Self.demand(60))
        #expect(plan.actions.isEmpty && plan.unmet.first?.missingInstances == 2)
    }

    @Test func theThresholdIsTheCapacityOfWhatServesPlusTheMargin() {
        var testbed = Testbed()
        testbed.fleet.append(FleetInstance(id: "pulling", content: "video5", flavor: "clickos", node: "edge-1", phase: .pulling))
        testbed.fleet.append(FleetInstance(id: "leaving", content: "video5", flavor: "clickos", node: "edge-2", phase: .draining))
        #expect(ReactiveScaler().thresholds(testbed.input([])) == ["video5": 50])
    }

    /// The plan after a reactive deploy does not undo it: no removal within the window.
    @Test func theStabilizationWindowKeepsAReactiveDeployFromTheNextPlan() {
        var testbed = Testbed()
        testbed.fleet.append(FleetInstance(id: "reacted", content: "video5", flavor: "clickos", node: "edge-1", phase: .ready))
        testbed.memory.lastReaction["video5"] = 12
        #expect(testbed.tick(CachingOptimizer(), interval: 12, [10]).actions.isEmpty)
        #expect(testbed.tick(CachingOptimizer(), interval: 13, [10]).actions.isEmpty)
        #expect(testbed.tick(CachingOptimizer(), interval: 14, [10]).actions.compactMap(\.drained) == ["reacted"])
    }
}
