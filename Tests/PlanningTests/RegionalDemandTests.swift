import AugurModel
import EdgeWire
import Foundation
@testable import Planning
import TestSupport
import Testing

/// A content's demand by region: shares learnt from what each region's clients asked,
/// smoothed over intervals, and the loop placing each region's part on its own edges.
@Suite struct RegionalDemandTests {
    @Test func sharesStartAtTheFirstFractionAndMoveBySmoothing() {
        var shares = RegionalShares(regions: ["north", "south"], smoothing: 0.5)
        shares.observe(totals: ["video1": 100, "video5": 0], byRegion: ["video1": ["north": 80, "south": 10]])
        #expect(shares.shares["video1"] == ["north": 0.8, "south": 0.1], "the tenth from no region is no region's share")
        #expect(shares.shares["video5"] == nil, "a content with no lookups has no shares yet")
        shares.observe(totals: ["video1": 50], byRegion: ["video1": ["south": 50]])
        #expect(shares.shares["video1"] == ["north": 0.4, "south": 0.55])
        shares.observe(totals: ["video1": 0], byRegion: [:])
        #expect(shares.shares["video1"] == ["north": 0.4, "south": 0.55], "an interval without lookups says nothing of where they come from")
        var none = RegionalShares(regions: [])
        none.observe(totals: ["video1": 100], byRegion: ["video1": ["north": 100]])
        #expect(none.shares.isEmpty, "no regions, no shares")
    }

    /// With a season, the next interval's share is its phase's: north's surge at phase 2 of
    /// every 4-interval cycle is north's from the second cycle on, before it comes, while a
    /// share smoothed over every interval would still split it.
    @Test func aSeasonalContentsShareFollowsItsPhase() {
        var shares = RegionalShares(regions: ["north", "south"], smoothing: 0.3, seasons: ["video1": 4, "video5": 1])
        #expect(shares.seasons == ["video1": 4], "a season of one is none")
        let cycle: [(north: Int, south: Int)] = [(10, 10), (10, 10), (90, 10), (10, 10)]
        var before: [[String: Double]?] = []
        for round in 0..<8 {
            before.append(shares.shares["video1"])
            let (north, south) = cycle[round % 4]
            shares.observe(totals: ["video1": north + south], byRegion: ["video1": ["north": north, "south": south]])
        }
        #expect(before[2] == ["north": 0.5, "south": 0.5], "the first cycle has no phase seen yet: the smoothed share")
        #expect(before[6] == ["north": 0.9, "south": 0.1], "the surge's phase, from the cycle before")
        #expect(before[7] == ["north": 0.5, "south": 0.5], "after it, the quiet phase's")
        var plain = RegionalShares(regions: ["north", "south"], smoothing: 0.3)
        for round in 0..<6 {
            let (north, south) = cycle[round % 4]
            plain.observe(totals: ["video1": north + south], byRegion: ["video1": ["north": north, "south": south]])
        }
        #expect((plain.shares["video1"]?["north"] ?? 1) < 0.75, "without a season the surge is smoothed away: \(plain.shares)")
    }

    /// A restart rebuilds the shares from the stored regional counts, phases included: the
    /// same shares as the run that counted them.
    @Test func aRestartRebuildsTheSharesFromTheStoredCounts() throws {
        let configuration = try Self.regional().configuration
        let settings = LoopSettings(intervalSeconds: 2, trainingIntervals: 1, dnsGraceSeconds: 5, drainSeconds: 1, edgeFlavors: ["clickos"])
        let models: [String: ModelChoice] = ["video1": try ModelChoice(parsing: "sarima:0,1,0,0,1,0,4")]
        let history = (0..<10).map { round in
            RegionalCounts(totals: ["video1": round % 4 == 2 ? 100 : 20], byRegion: ["video1": ["north": round % 4 == 2 ? 90 : 10, "south": 10]])
        }
        var counted = RegionalShares(regions: ["north", "south"], seasons: ["video1": 4])
        for counts in history { counted.observe(totals: counts.totals, byRegion: counts.byRegion) }
        var restarted = LoopDecisions(configuration: configuration, settings: settings, models: models, edges: Self.edges)
        var progress = LoopProgress()
        progress.intervals = history.count
        restarted.restore(progress: progress, history: [:], regionalHistory: history, instances: [], removing: [])
        #expect(restarted.regional.intervalsKept == 12)
        #expect(restarted.regional.shares == counted.shares && restarted.regional.shares["video1"]?["north"] == 0.9, "the next interval is the surge's phase")
    }

    static let edges = ["edge-1", "edge-2", "edge-3", "edge-4"]

    static func node(_ edge: String) -> NodeState {
        NodeState(edge: edge, instanceLimit: 16, instances: [:], runtimes: ["emulated", "xen"], emulatedRuntimes: ["emulated", "xen"])
    }

    /// Decisions for video1 on four edges, north near edge-2 then edge-1, south near edge-4 then edge-3, resumed and reconciled.
    static func regional(scaling: [String: ScalingPolicy] = [:]) throws -> LoopDecisions {
        var configuration: AugurConfiguration = try RepositoryFiles.decode()
        configuration.topology.regions = [
            Region(name: "north", clients: [try #require(IPPrefix("10.1.0.0/16"))], edges: ["edge-2", "edge-1"]),
            Region(name: "south", clients: [try #require(IPPrefix("10.2.0.0/16"))], edges: ["edge-4", "edge-3"]),
        ]
        let settings = LoopSettings(intervalSeconds: 2, trainingIntervals: 1, dnsGraceSeconds: 5, drainSeconds: 1, edgeFlavors: ["clickos"], scalingByContent: scaling)
        var decisions = LoopDecisions(configuration: configuration, settings: settings, models: ["video1": .ema(span: 1)], edges: Self.edges)
        decisions.restore(progress: nil, history: [:], instances: [], removing: [])
        let round = decisions.beginReconcile()
        _ = decisions.edgesListed(Dictionary(uniqueKeysWithValues: Self.edges.map { ($0, .success((InstanceList(instances: []), Self.node($0)))) }), in: round, at: LoopDecisionsTests.at(0))
        _ = decisions.finishResume(at: LoopDecisionsTests.at(0))
        return decisions
    }

    @Test func aReactionPlacesTheIntervalsRegionalSplitNearItsClients() throws {
        var decisions = try Self.regional(scaling: ["video1": .reactive])
        // 60 lookups so far, all from north's clients: 3 instances, on north's nearest edge.
        let actions = decisions.demandRead(["video1": 60], byRegion: ["video1": ["north": 60]], crossing: true, at: LoopDecisionsTests.at(1))
        #expect(LoopDecisionsTests.creates(actions).compactMap(\.edge) == ["edge-2", "edge-2", "edge-2"])
    }

    /// A reaction's deploys on north's edge open north's hold gate (nothing on north's edges
    /// serves yet, and the deploy is on its way there); south's has nothing on its way, so its
    /// clients are never held for north's instance.
    @Test func eachRegionsHoldGateFollowsTheDeploysOnItsOwnEdges() throws {
        var decisions = try Self.regional(scaling: ["video1": .hybrid])
        let actions = decisions.demandRead(["video1": 60], byRegion: ["video1": ["north": 60]], crossing: true, at: LoopDecisionsTests.at(1))
        let gates = actions.compactMap { action -> (region: String, ready: Int, readyIn: Duration?, bound: Duration?)? in
            if case .regionalGate("video1", let region, let ready, let readyIn, let bound) = action { (region, ready, readyIn, bound) } else { nil }
        }
        let north = try #require(gates.last { $0.region == "north" }), south = try #require(gates.last { $0.region == "south" })
        #expect(north.ready == 0 && north.readyIn != nil && north.bound != nil, "\(gates)")
        #expect(south.readyIn == nil && south.bound == north.bound, "\(gates)")
        // The deploys fail: nothing is on its way to north any more.
        var failed: [LoopAction] = []
        for deploy in LoopDecisionsTests.creates(actions) { failed = decisions.created(deploy, edge: deploy.edge ?? "", flavor: "clickos", .failure(LoopDecisionsTests.Unreachable()), at: LoopDecisionsTests.at(2)) }
        #expect(failed.contains { if case .regionalGate("video1", "north", _, nil, _) = $0 { true } else { false } })
    }

    @Test func eachRegionsDemandIsPlacedOnItsNearestEdgeAndRecordedWithItsForecast() throws {
        var decisions = try Self.regional()

        let start = Date(timeIntervalSinceReferenceDate: 0)
        _ = decisions.act(on: decisions.closeInterval(lookups: ["video1": 10], byRegion: ["video1": ["south": 8, "north": 2]], start: start, end: start + 2), at: LoopDecisionsTests.at(2))
        // 100 lookups at 20 an instance, 80 from south's clients and 20 from north's: south's
        // nearest edge takes four, north's one; the core's static instances serve nothing of video1.
        let closed = decisions.closeInterval(lookups: ["video1": 100], byRegion: ["video1": ["south": 80, "north": 20]], start: start + 2, end: start + 4)
        let deploys = LoopDecisionsTests.creates(decisions.act(on: closed, at: LoopDecisionsTests.at(4)))
        #expect(deploys.compactMap(\.edge) == ["edge-4", "edge-4", "edge-4", "edge-4", "edge-2"], "\(deploys.map(\.reason))")
        let south = try #require(closed.record.regions?["video1"]?["south"])
        #expect(south.lookups == 80)
        #expect(abs(south.share - 0.8) < 1e-9, "the same fraction as the interval before")
        #expect(abs(south.forecast - 80) < 1e-9, "the content's forecast (EMA of span 1: the last count) times the share")
        #expect(decisions.regionalCapacity().isEmpty == false)
        #expect(decisions.regionalCapacity()["south"]?["video1"] == nil, "nothing is answered until an edge reports it ready")
    }
}
