import DNSBalancer
import Foundation
import Hummingbird
import Orchestrator
import Planning

/// `GET /v1/overview`: what the dashboard shows, in one call whose size is bounded whatever
/// the fleet's: the busiest contents first (or those matching a search), a few of them with
/// their series, every edge with its instances grouped, and the DNS rates.
public struct FleetOverview: Sendable, Codable {
    /// How much one call returns, from its query (`limit`, `search`, `charts`, `points`,
    /// `instances`, `plans`, `actions` per plan), each clamped to a bound.
    public struct Query: Sendable, Hashable {
        public var limit = 50
        public var search: String?
        public var charts = 6
        public var points = 40
        public var instances = 12
        public var plans = 5
        public var actions = 12

        public init() {}

        init(_ request: Request) {
            let parameters = request.uri.queryParameters
            func number(_ name: String, _ fallback: Int, _ bounds: ClosedRange<Int>) -> Int {
                parameters.get(name).flatMap { Int($0) }.map { min(max($0, bounds.lowerBound), bounds.upperBound) } ?? fallback
            }
            limit = number("limit", limit, 1...500)
            charts = number("charts", charts, 0...24)
            points = number("points", points, 2...240)
            instances = number("instances", instances, 0...100)
            plans = number("plans", plans, 0...50)
            actions = number("actions", actions, 0...200)
            search = parameters.get("search").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// One content as the page's table and charts show it.
    public struct ContentRow: Sendable, Codable {
        public var name: String
        public var policy: String
        public var capacity: Int
        public var model: String
        public var modelInUse: String?
        /// Lookups in the last closed interval, and so far in the open one.
        public var lookups: Int
        public var soFar: Int
        /// The forecast for the open interval, made when the last one closed.
        public var forecast: Double?
        public var standardError: Double?
        /// What serves it now, and instances on their way up.
        public var ready: ReadyCapacity
        public var onTheWay: Int
        /// Its last closed intervals (only the first `charts` rows carry them).
        public var series: [ContentIntervalPoint]?
    }

    /// How many of an edge's instances share a phase, a flavor and what runs them.
    public struct InstanceGroup: Sendable, Codable, Hashable {
        public var phase: String
        public var flavor: String
        /// `real-container`, `real-xen-guest`, `real-microvm` or `emulated`.
        public var truth: String
        public var count: Int
    }

    /// One instance of an edge's card.
    public struct InstanceRow: Sendable, Codable {
        public var id: String
        public var content: String
        public var flavor: String
        public var phase: String
        public var truth: String
        public var address: String
        public var answered: Bool
        public var removing: Bool
        public var failure: String?
    }

    /// One node's card: reachability, CPU and memory, its instances.
    public struct EdgeRow: Sendable, Codable {
        public var name: String
        public var role: String
        public var reachable: Bool
        public var instanceLimit: Int
        public var cpuPercent: Double?
        public var memoryUsedBytes: Int?
        public var memoryTotalBytes: Int?
        /// Runtimes its operator runs, and which of those are emulated.
        public var runtimes: [String]
        public var emulatedRuntimes: [String]
        /// Live instances (not gone or failed).
        public var live: Int
        public var groups: [InstanceGroup]
        /// The first `instances` of its instances, on their way first.
        public var instances: [InstanceRow]
    }

    /// The DNS panel: responses by code, their recent rates, the unknown names asked.
    public struct DNSView: Sendable, Codable {
        public var totals: [String: Int]
        /// The last minute's samples, oldest first.
        public var recent: [DNSTrafficSample]
        /// The unknown names in the zone most asked for since the start (at most 10).
        public var unknownNames: [UnknownNames.Entry]
    }

    public var generatedAt: Date
    public var intervalSeconds: Double
    public var intervalsClosed: Int
    public var trainingIntervals: Int
    public var latestInterval: Int?
    public var contentsTotal: Int
    public var contentsMatched: Int
    public var contents: [ContentRow]
    public var edges: [EdgeRow]
    public var dns: DNSView?
    /// The newest plans, newest first, each with its first actions.
    public var plans: [PlanSummary]
    /// Per region, the listed contents' demand, forecast and capacity there (nil: no regions).
    public var regions: [RegionView]?

    static func make(_ loop: ControlLoop, store: StateStore, meter: DNSTrafficMeter?, query: Query) async throws -> FleetOverview {
        let state = await loop.overviewState()
        let soFar = loop.pools.counters.peek()
        let latestLookups = state.latest?.lookups ?? [:]
        var matching = state.contents
        if let search = query.search { matching = matching.filter { $0.name.lowercased().contains(search) } }
        matching.sort { a, b in
            let (la, lb) = (latestLookups[a.name] ?? 0, latestLookups[b.name] ?? 0)
            if la != lb { return la > lb }
            let (sa, sb) = (soFar[a.name] ?? 0, soFar[b.name] ?? 0)
            return sa != sb ? sa > sb : a.name < b.name
        }
        let live = state.members
        let onTheWay = Dictionary(grouping: live.filter { !$0.removing && ($0.instance.phase == .pulling || $0.instance.phase == .booting) }, by: \.instance.spec.content)
            .mapValues(\.count).merging(state.requested) { $0 + $1 }
        // The store's reads in one hop off the cooperative pool: the charted contents' series and the plans.
        let charted = matching.prefix(min(query.limit, query.charts)).map(\.name)
        let (points, plans, actions) = (query.points, query.plans, query.actions)
        let (series, summaries) = try await store.reading { store in
            (
                try Dictionary(uniqueKeysWithValues: charted.map { ($0, try store.contentSeries(of: $0, limit: points)) }),
                try store.planSummaries(limit: plans, actions: actions)
            )
        }
        var rows: [ContentRow] = []
        for content in matching.prefix(query.limit) {
            let next = state.latest?.forecasts[content.name]?.first
            rows.append(ContentRow(
                name: content.name, policy: content.policy.rawValue, capacity: content.capacity, model: content.model, modelInUse: content.modelInUse,
                lookups: latestLookups[content.name] ?? 0, soFar: soFar[content.name] ?? 0, forecast: next?.mean, standardError: next?.standardError,
                ready: state.ready[content.name] ?? ReadyCapacity(instances: 0, lookups: 0), onTheWay: onTheWay[content.name] ?? 0,
                series: series[content.name]))
        }
        let byEdge = Dictionary(grouping: live, by: \.instance.spec.edge)
        let edges = state.nodes.map { node in
            let mine = byEdge[node.name] ?? []
            let groups = Dictionary(grouping: mine) { InstanceGroup(phase: $0.instance.phase.rawValue, flavor: $0.instance.spec.flavor, truth: $0.instance.truth.rawValue, count: 0) }
                .map { key, members in InstanceGroup(phase: key.phase, flavor: key.flavor, truth: key.truth, count: members.count) }
                .sorted { ($0.phase, $0.flavor, $0.truth) < ($1.phase, $1.flavor, $1.truth) }
            let listed = mine.sorted { a, b in
                let (wa, wb) = (a.instance.phase != .ready, b.instance.phase != .ready)
                return wa != wb ? wa : a.instance.spec.id < b.instance.spec.id
            }.prefix(query.instances).map { member in
                InstanceRow(
                    id: member.instance.spec.id, content: member.instance.spec.content, flavor: member.instance.spec.flavor, phase: member.instance.phase.rawValue,
                    truth: member.instance.truth.rawValue, address: member.instance.spec.address, answered: member.answered, removing: member.removing,
                    failure: member.instance.failure)
            }
            let reported = state.reports[node.name]
            return EdgeRow(
                name: node.name, role: node.role.rawValue, reachable: !state.unreachable.contains(node.name), instanceLimit: node.instanceLimit,
                cpuPercent: reported?.usage?.cpuPercent, memoryUsedBytes: reported?.usage?.memoryUsedBytes, memoryTotalBytes: reported?.usage?.memoryTotalBytes,
                runtimes: reported?.runtimes ?? [], emulatedRuntimes: reported?.emulatedRuntimes ?? [], live: mine.count, groups: groups, instances: Array(listed))
        }
        let dns = meter.map { DNSView(totals: $0.totals(), recent: Array($0.history().suffix(60)), unknownNames: $0.unknownNames(10)) }
        let listed = Set(rows.map(\.name))
        let regions = await RegionView.make(loop, latest: state.latest).map { region in
            var shown = region
            shown.contents = region.contents.filter { listed.contains($0.content) }
            return shown
        }
        return FleetOverview(
            generatedAt: Date(), intervalSeconds: loop.settings.intervalSeconds, intervalsClosed: state.intervalsClosed,
            trainingIntervals: loop.settings.trainingIntervals, latestInterval: state.latest?.interval, contentsTotal: state.contents.count,
            contentsMatched: matching.count, contents: rows, edges: edges, dns: dns, plans: summaries, regions: regions.isEmpty ? nil : regions)
    }
}
