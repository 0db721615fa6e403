import AugurModel
import Workload

/// How one client site's users fared in a round: how many came, how many failed, how many
/// an instance took beyond its capacity, how many were answered by their own region's edges
/// (locality), and each successful user's delivery time. The rows of `sites.csv`.
public struct SiteRound: Sendable, Hashable {
    public var site: String
    public var users: Int
    public var failed: Int
    /// Users whose answered instance had already taken its capacity of users in the round.
    public var overCapacity: Int
    /// Users answered at all (an address to download from).
    public var answered: Int
    /// Users answered by an instance on one of the site's region's edges.
    public var local: Int
    /// Every successful user's total delivery time, sorted.
    public var totals: [Double]

    /// The share of answered users whom their own region's edges answered.
    public var locality: Double? { answered == 0 ? nil : Double(local) / Double(answered) }

    /// Each site's round from what its users saw. An instance takes `capacity` users a round:
    /// over all sites, in the order they resolved, the users an address got past its
    /// capacity are over capacity (counted per instance, so it is the same measure with
    /// regions on or off). `node` says which node an address belongs to.
    public static func account(
        _ sites: [(site: String, results: [UserResult])], regionEdges: [String: Set<String>], capacity: Int, node: (String) -> String?
    ) -> [SiteRound] {
        var taken: [String: Int] = [:]
        var over: [String: Int] = [:]
        let resolved = sites.flatMap { site, results in results.compactMap { result in result.address.map { (site, $0, result.resolvedAt) } } }
        for (site, address, _) in resolved.sorted(by: { ($0.2 ?? .distantPast) < ($1.2 ?? .distantPast) }) {
            taken[address, default: 0] += 1
            if taken[address, default: 0] > max(1, capacity) { over[site, default: 0] += 1 }
        }
        return sites.map { site, results in
            let edges = regionEdges[site] ?? []
            let addresses = results.compactMap(\.address)
            let good = results.filter { $0.failure == nil }
            return SiteRound(
                site: site, users: results.count, failed: results.count - good.count, overCapacity: over[site] ?? 0, answered: addresses.count,
                local: addresses.filter { node($0).map(edges.contains) ?? false }.count, totals: good.compactMap(\.totalSeconds).sorted())
        }
    }
}
