/// A deploy on its way: the edge it goes to and when it is expected ready.
struct ExpectedReady: Sendable, Hashable {
    let edge: String
    let at: Duration
}

/// What serves each region: the answered instances on its edges.
extension LoopDecisions {
    /// Per region, per content with instances on the region's edges: how many DNS answers
    /// there and the lookups per interval they serve. An edge near several regions counts for each.
    public func regionalCapacity() -> [String: [String: ReadyCapacity]] {
        let regions = configuration.topology.regions
        guard !regions.isEmpty else { return [:] }
        var answered: [String: [String: Int]] = [:]
        for member in fleet.members.values where member.answered {
            answered[member.instance.spec.edge, default: [:]][member.instance.spec.content, default: 0] += 1
        }
        return Dictionary(uniqueKeysWithValues: regions.map { region in
            var byContent: [String: Int] = [:]
            for edge in region.edges { byContent.merge(answered[edge] ?? [:], uniquingKeysWith: +) }
            return (region.name, byContent.reduce(into: [String: ReadyCapacity]()) { capacity, entry in capacity[entry.key] = self.capacity(entry.key, instances: entry.value) })
        })
    }
}
