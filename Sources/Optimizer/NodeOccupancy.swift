/// How full each node is, as the optimizer places instances: `serving` counts the instances
/// that serve (what spreads new ones evenly), `occupied` every live one, draining included,
/// as the node's operator counts them against its instance limit.
struct NodeOccupancy: Sendable {
    private(set) var serving: [String: Int]
    private(set) var occupied: [String: Int]

    init(_ input: PlanInput) {
        serving = Dictionary(uniqueKeysWithValues: input.nodes.map { ($0.name, 0) })
        occupied = serving
        for instance in input.fleet {
            occupied[instance.node, default: 0] += 1
            if instance.serves { serving[instance.node, default: 0] += 1 }
        }
    }

    /// Whether `node` takes a new instance of a content with flavors `timings`.
    func takes(_ node: NodeCapacity, _ timings: [FlavorTiming]) -> Bool {
        node.acceptsDeploys && node.reachable && (occupied[node.name] ?? 0) < node.instanceLimit && timings.contains(where: node.runs)
    }

    mutating func place(on node: String) {
        serving[node, default: 0] += 1
        occupied[node, default: 0] += 1
    }

    mutating func remove(from node: String) {
        serving[node, default: 1] -= 1
    }
}
