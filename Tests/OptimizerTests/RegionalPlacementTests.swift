import Testing
@testable import Optimizer

/// With regions, each region's part of a content's demand is placed on the region's own edges,
/// nearest first, spills to other edges only when those are full (and says so), and keeps
/// what it needs when demand falls.
@Suite struct RegionalPlacementTests {
    static let regions = [PlanRegion(name: "north", edges: ["edge-2", "edge-1"]), PlanRegion(name: "south", edges: ["edge-4", "edge-3"])]

    private func reasons(_ plan: Plan) -> [String] {
        plan.actions.compactMap { action in
            if case .deploy(_, _, _, let reason) = action { return reason }
            return nil
        }
    }

    @Test func eachRegionsPartGoesToItsNearestEdgeFirst() {
        var testbed = Testbed(regions: Self.regions, shares: ["north": 0.6, "south": 0.4])
        // 100 requests at 20 an instance: north's 60 need 3, south's 40 need 2, nearest first.
        let plan = testbed.tick(CachingOptimizer(), interval: 10, [100])
        #expect(plan.actions.compactMap(\.deployedNode) == ["edge-2", "edge-2", "edge-2", "edge-4", "edge-4"])
        #expect(reasons(plan).first?.contains("for north's clients (60% of demand)") == true, "\(reasons(plan))")
        #expect(reasons(plan).allSatisfy { !$0.contains("spilled") })
        #expect(plan.unmet.isEmpty)
        #expect(testbed.tick(CachingOptimizer(), interval: 11, [100]).actions.isEmpty, "what serves each region is kept")
    }

    @Test func aRegionSpillsToOtherEdgesOnlyWhenItsOwnAreFullAndSaysSo() {
        var testbed = Testbed(regions: Self.regions, shares: ["north": 0.6, "south": 0.4])
        testbed.nodes = testbed.nodes.map { node in
            var node = node
            if node.name == "edge-1" || node.name == "edge-2" { node.instanceLimit = 1 }
            return node
        }
        let plan = testbed.tick(CachingOptimizer(), interval: 10, [100])
        #expect(plan.actions.compactMap(\.deployedNode) == ["edge-2", "edge-1", "edge-3", "edge-4", "edge-4"],
                "north's third goes to the node with the fewest instances of the rest; south's two to its nearest")
        #expect(reasons(plan)[2].contains("spilled: north's edges (edge-2, edge-1) have no room"), "\(reasons(plan))")
        #expect(reasons(plan).filter { $0.contains("spilled") }.count == 1)
    }

    @Test func removalsLeaveEveryRegionWhatItsPartNeeds() {
        var testbed = Testbed(regions: Self.regions, shares: ["north": 0.5, "south": 0.5])
        testbed.fleet += ["a", "b", "c"].map { FleetInstance(id: $0, content: "video5", flavor: "clickos", node: "edge-2", phase: .ready) }
        testbed.fleet.append(FleetInstance(id: "s", content: "video5", flavor: "clickos", node: "edge-3", phase: .ready))
        // 40 requests: 2 instances in all, north's 20 need 1 and south's 20 need 1. Of the five
        // serving, two go, both from edge-2: south's only instance stays though edge-2 is not in south.
        let plan = testbed.tick(CachingOptimizer(), interval: 10, [40])
        #expect(plan.actions.compactMap(\.drained) == ["a", "b"])
    }

    @Test func aRegionWithNoInstanceGetsOneEvenWhenTheTotalIsMet() {
        var testbed = Testbed(regions: Self.regions, shares: ["north": 0.1, "south": 0.9])
        testbed.fleet += ["a", "b", "c"].map { FleetInstance(id: $0, content: "video5", flavor: "clickos", node: "edge-2", phase: .ready) }
        // 60 requests need 3 and 4 serve, but south's 54 have nothing near them: 3 there.
        let plan = testbed.tick(CachingOptimizer(), interval: 10, [60])
        #expect(plan.actions.compactMap(\.deployedNode) == ["edge-4", "edge-4", "edge-4"])
        // Next interval north's instances beyond its part leave.
        let next = testbed.tick(CachingOptimizer(), interval: 11, [60])
        #expect(next.actions.compactMap(\.drained).count == 2, "\(next.actions)")
    }
}

/// A reaction places each region's part of the lookups so far near its clients too.
@Suite struct RegionalReactionTests {
    @Test func aSurgeInOneRegionDeploysOnThatRegionsNearestEdge() {
        let testbed = Testbed(regions: RegionalPlacementTests.regions)
        // 100 lookups so far, 90 of them south's: 5 instances, the core serves 1. South's 90
        // need 5 of their own (none is near them), north's 10 need 1: six, nearest first.
        let demand = [ReactiveScaler.Demand(content: "video5", lookups: 100, projected: 100, regionShares: ["south": 0.9, "north": 0.1])]
        let plan = ReactiveScaler().plan(testbed.input([]), demand: demand)
        #expect(plan.actions.compactMap(\.deployedNode) == ["edge-4", "edge-4", "edge-4", "edge-4", "edge-4", "edge-2"])
        let reasons = plan.actions.compactMap { action -> String? in
            if case .deploy(_, _, _, let reason) = action { return reason }
            return nil
        }
        #expect(reasons.first?.contains("for south's clients") == true, "\(reasons)")
        // Without shares the same surge spreads as before.
        let spread = ReactiveScaler().plan(testbed.input([]), demand: [ReactiveScaler.Demand(content: "video5", lookups: 100, projected: 100)])
        #expect(spread.actions.compactMap(\.deployedNode) == ["edge-1", "edge-2", "edge-3", "edge-4"])
    }
}
