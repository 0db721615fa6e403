/// How full each node is, as the optimizer places instances: `serving` counts the instances
/// that serve (what spreads new ones evenly), `occupied` every live one, draining included,
/// as the node's operator counts them against its instance limit. The nodes are also kept
/// in placement order (fewest serving first, then by name), so that finding where the next
/// instance goes costs time in the nodes that cannot take it, not in every node.
struct NodeOccupancy: Sendable {
    private(set) var serving: [String: Int]
    private(set) var occupied: [String: Int]
    private let nodes: [NodeCapacity]
    /// Each node's place in name order, by node name (the tie-break between equal counts).
    private let rank: [String: Int]
    /// `input.nodes` indices by name order.
    private let byRank: [Int]
    /// Per serving count, the ranks of the nodes serving that many, ascending.
    private var levels: [[Int]]

    init(_ input: PlanInput) {
        serving = Dictionary(input.nodes.map { ($0.name, 0) }, uniquingKeysWith: { first, _ in first })
        occupied = serving
        for instance in input.fleet {
            occupied[instance.node, default: 0] += 1
            if instance.serves { serving[instance.node, default: 0] += 1 }
        }
        nodes = input.nodes
        byRank = input.nodes.indices.sorted { (input.nodes[$0].name, $0) < (input.nodes[$1].name, $1) }
        rank = Dictionary(byRank.enumerated().map { (input.nodes[$1].name, $0) }, uniquingKeysWith: { first, _ in first })
        levels = []
        for (position, index) in byRank.enumerated() where rank[input.nodes[index].name] == position {
            let count = serving[input.nodes[index].name] ?? 0
            while levels.count <= count { levels.append([]) }
            levels[count].append(position)
        }
    }

    /// Whether `node` takes a new instance of a content with flavors `timings`.
    func takes(_ node: NodeCapacity, _ timings: [FlavorTiming]) -> Bool {
        node.acceptsDeploys && node.reachable && (occupied[node.name] ?? 0) < node.instanceLimit && timings.contains(where: node.runs)
    }

    /// The node serving the fewest instances (then first by name) of those that `accept`.
    func fewestServing(where accept: (NodeCapacity) -> Bool) -> NodeCapacity? {
        for level in levels {
            for position in level where accept(nodes[byRank[position]]) { return nodes[byRank[position]] }
        }
        return nil
    }

    mutating func place(on node: String) {
        move(node, by: 1)
        occupied[node, default: 0] += 1
    }

    mutating func remove(from node: String) {
        move(node, by: -1)
    }

    private mutating func move(_ node: String, by step: Int) {
        let before = serving[node, default: step < 0 ? 1 : 0]
        let after = before + step
        serving[node] = after
        guard let position = rank[node], before >= 0, after >= 0 else { return }
        if before < levels.count, let found = Self.index(of: position, in: levels[before]) { levels[before].remove(at: found) }
        while levels.count <= after { levels.append([]) }
        levels[after].insert(position, at: Self.insertion(of: position, in: levels[after]))
    }

    /// Where `value` is in the ascending `list`, if it is.
    private static func index(of value: Int, in list: [Int]) -> Int? {
        let at = insertion(of: value, in: list)
        return at < list.count && list[at] == value ? at : nil
    }

    /// The first index of the ascending `list` whose element is not below `value`.
    private static func insertion(of value: Int, in list: [Int]) -> Int {
        var (low, high) = (0, list.count)
        while low < high {
            let middle = (low + high) / 2
            if list[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
