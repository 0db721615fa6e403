/// Each content's demand by region, forecast top-down: the content's own model forecasts its
/// whole demand, and each region brings a share of it, the fraction of the content's lookups
/// its clients made, smoothed over intervals (an exponential moving average) so that one
/// noisy interval does not move instances between regions. What a region is expected to ask
/// is the forecast times its share; what is left over comes from clients in no region.
/// Top-down shares keep the regions' forecasts summing to the content's, need no model of
/// their own per (content, region), and follow a move of demand from one region to another
/// within a few intervals. Pure.
public struct RegionalShares: Sendable {
    /// The regions of the topology, by name.
    public let regions: [String]
    /// The weight of the newest interval's fraction (the rest is the share so far).
    public let smoothing: Double
    /// Per content, per region, the share of its demand; a content counted in no interval yet has none.
    public private(set) var shares: [String: [String: Double]] = [:]

    public init(regions: [String], smoothing: Double = 0.3) {
        self.regions = regions
        self.smoothing = min(max(smoothing, 0), 1)
    }

    /// Takes one interval's lookups: per content its total, and per content and region what
    /// that region's clients made. A content with no lookups keeps its shares.
    public mutating func observe(totals: [String: Int], byRegion: [String: [String: Int]]) {
        guard !regions.isEmpty else { return }
        for (content, total) in totals where total > 0 {
            let counted = byRegion[content] ?? [:]
            let previous = shares[content]
            var next: [String: Double] = [:]
            for region in regions {
                let fraction = min(1, Double(counted[region] ?? 0) / Double(total))
                let share = previous.map { smoothing * fraction + (1 - smoothing) * ($0[region] ?? 0) } ?? fraction
                if share > 1e-9 { next[region] = share }
            }
            shares[content] = next
        }
    }
}
