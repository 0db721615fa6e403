/// A content's demand split by the regions its clients are in, and which of its instances
/// serve each region's part. DNS answers a region's clients from the region's edges nearest
/// first (the next edge's instances join once the nearer ones' capacity is spent), so the
/// instances that count for a region are the ones on its edges, and each instance counts for
/// one region only, the first that takes it. Pure.
struct RegionalNeeds {
    /// Per region with a share of the demand (the largest share first, then by name): the
    /// instances its part of `demand` needs at `capacity` lookups each.
    static func needs(demand: Double, shares: [String: Double], regions: [PlanRegion], capacity: Double) -> [(region: PlanRegion, instances: Int, share: Double)] {
        guard capacity > 0 else { return [] }
        return regions.compactMap { region -> (PlanRegion, Int, Double)? in
            guard let share = shares[region.name], share > 0 else { return nil }
            // Rounded to a millionth first, as the whole demand is (float noise asks for no instance).
            let part = (demand * share * 1e6).rounded() / 1e6
            return (region, Int((part / capacity).rounded(.up)), share)
        }
        .sorted { ($0.2, $1.0.name) > ($1.2, $0.0.name) }
    }

    /// Takes up to `need` instances for `region` from `available` (per node), its edges
    /// nearest first, and returns how many it still lacks.
    static func take(_ need: Int, for region: PlanRegion, from available: inout [String: Int]) -> Int {
        var missing = need
        for edge in region.edges where missing > 0 {
            let taken = min(missing, available[edge] ?? 0)
            available[edge] = (available[edge] ?? 0) - taken
            missing -= taken
        }
        return missing
    }

    /// What is left per node of `serving` once every region of `needs` has taken its instances.
    static func spare(_ serving: [String: Int], after needs: [(region: PlanRegion, instances: Int, share: Double)]) -> [String: Int] {
        var available = serving
        for need in needs { _ = take(need.instances, for: need.region, from: &available) }
        return available
    }
}
