/// One interval's lookups as the shares observe them: per content its total, and per content
/// and region what the region's clients made. What the store keeps to rebuild the shares.
public struct RegionalCounts: Sendable, Hashable {
    public var totals: [String: Int]
    public var byRegion: [String: [String: Int]]

    public init(totals: [String: Int], byRegion: [String: [String: Int]]) {
        self.totals = totals
        self.byRegion = byRegion
    }
}

/// Each content's demand by region, forecast top-down: the content's own model forecasts its
/// whole demand, and each region brings a share of it, the fraction of the content's lookups
/// its clients made, smoothed over intervals (an exponential moving average) so that one
/// noisy interval does not move instances between regions. What a region is expected to ask
/// is the forecast times its share; what is left over comes from clients in no region.
/// Top-down shares keep the regions' forecasts summing to the content's, need no model of
/// their own per (content, region), and follow a move of demand from one region to another
/// within a few intervals. A content whose model has a season keeps a share per phase of it
/// too, and the next interval's share is its phase's of the seasons before: a surge that
/// comes from one region at the same time every cycle is placed there before it comes, not
/// spread by a share smoothed over the quiet intervals. Pure.
public struct RegionalShares: Sendable {
    /// The regions of the topology, by name.
    public let regions: [String]
    /// The weight of the newest interval's fraction (the rest is the share so far).
    public let smoothing: Double
    /// The season of each content's model, in intervals (contents without one are not listed).
    public let seasons: [String: Int]
    /// Per content, per region, the share of the next interval's demand; a content counted in
    /// no interval yet has none.
    public private(set) var shares: [String: [String: Double]] = [:]
    /// Per content, the shares smoothed over intervals, whatever their phase.
    private var smoothed: [String: [String: Double]] = [:]
    /// Per seasonal content: each phase's shares (smoothed over the seasons seen) and the intervals observed.
    private var phases: [String: (byPhase: [[String: Double]?], observed: Int)] = [:]

    public init(regions: [String], smoothing: Double = 0.3, seasons: [String: Int] = [:]) {
        self.regions = regions
        self.smoothing = min(max(smoothing, 0), 1)
        self.seasons = seasons.filter { $0.value >= 2 }
    }

    /// The intervals a restart replays to rebuild the shares: three of the longest season
    /// (each phase's share then stands on the seasons seen), ten without one.
    public var intervalsKept: Int { regions.isEmpty ? 0 : max(10, 3 * (seasons.values.max() ?? 0)) }

    /// Takes one interval's lookups (called once per interval): per content its total, and
    /// per content and region what that region's clients made. A content with no lookups
    /// keeps its shares (a seasonal one moves on to its next phase).
    public mutating func observe(totals: [String: Int], byRegion: [String: [String: Int]]) {
        guard !regions.isEmpty else { return }
        for (content, total) in totals where total > 0 {
            let counted = byRegion[content] ?? [:]
            let fractions = Dictionary(uniqueKeysWithValues: regions.map { ($0, min(1, Double(counted[$0] ?? 0) / Double(total))) })
            smoothed[content] = blend(smoothed[content], fractions)
            if let season = seasons[content] {
                var state = phases[content] ?? (Array(repeating: nil, count: season), 0)
                state.byPhase[state.observed % season] = blend(state.byPhase[state.observed % season], fractions)
                phases[content] = state
            }
        }
        for (content, season) in seasons {
            guard var state = phases[content] else { continue }
            if totals[content] ?? 0 == 0 { state.byPhase[state.observed % season] = state.byPhase[state.observed % season] ?? smoothed[content] }
            state.observed += 1
            phases[content] = state
        }
        for (content, shares) in smoothed {
            let next = phases[content].flatMap { state in state.byPhase[state.observed % state.byPhase.count] }
            self.shares[content] = next ?? shares
        }
    }

    /// The newest fractions weighed into `previous` (taken as they are when there is none);
    /// regions with no share are left out.
    private func blend(_ previous: [String: Double]?, _ fractions: [String: Double]) -> [String: Double] {
        var next: [String: Double] = [:]
        for (region, fraction) in fractions {
            let share = previous.map { smoothing * fraction + (1 - smoothing) * ($0[region] ?? 0) } ?? fraction
            if share > 1e-9 { next[region] = share }
        }
        return next
    }
}
