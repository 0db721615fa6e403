import Testing
@testable import Optimizer

/// The placement order the optimizer keeps is the one a full scan would find: the node
/// serving the fewest that takes the instance, then the first by name.
@Suite struct NodeOccupancyTests {
    @Test func theNextNodeIsTheFewestServingFirstByNameThroughAnySequenceOfChanges() {
        // Knuth's MMIX LCG: deterministic, so a failure names a step that happens again.
        var state: UInt64 = 7
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let names = (0..<40).map { "edge-\(($0 * 17) % 40)" }
        let nodes = names.map { NodeCapacity(name: $0, instanceLimit: 6, runtimes: ["docker"], linkBitsPerSecond: 1e8) }
        let fleet = (0..<60).map { index in
            FleetInstance(id: "i\(index)", content: "c", flavor: "nginx", node: names[Int(next() % 40)], phase: index % 7 == 0 ? .draining : .ready)
        }
        var occupancy = NodeOccupancy(PlanInput(intervalSeconds: 30, demand: [], fleet: fleet, nodes: nodes, contents: [:], flavors: [:]))
        for step in 0..<2_000 {
            // Some nodes refuse, as a full node or a missing runtime would.
            let refused = Set((0..<5).map { _ in names[Int(next() % 40)] })
            let accept: (NodeCapacity) -> Bool = { !refused.contains($0.name) }
            let scanned = nodes.filter(accept).min { (occupancy.serving[$0.name] ?? 0, $0.name) < (occupancy.serving[$1.name] ?? 0, $1.name) }
            #expect(occupancy.fewestServing(where: accept)?.name == scanned?.name, "step \(step)")
            let node = names[Int(next() % 40)]
            if next() % 3 == 0, (occupancy.serving[node] ?? 0) > 0 { occupancy.remove(from: node) } else { occupancy.place(on: node) }
        }
        #expect(occupancy.fewestServing { _ in false } == nil)
    }
}
