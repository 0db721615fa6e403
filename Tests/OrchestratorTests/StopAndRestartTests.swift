import AugurModel
import DNSBalancer
import Foundation
import Metrics
@testable import Orchestrator
@testable import Planning
import Testing

/// What a stop and a restart keep of the loop's decisions: an interval the stop cut short is
/// no interval, and a content changed at run time stays changed. (The same through the real
/// `augur serve` and SIGTERM: `ServeProcessTests`.)
@Suite(.timeLimit(.minutes(2))) struct StopAndRestartTests {
    let configuration: AugurConfiguration
    let store: StateStore

    init() throws {
        configuration = try LoopBed.configuration()
        store = try StateStore.inMemory()
    }

    func makeLoop() throws -> ControlLoop {
        let edge = MemoryEdge(node: try #require(configuration.topology.node(named: "edge-1")), flavors: configuration.flavors)
        let settings = LoopSettings(intervalSeconds: 2, trainingIntervals: 1, dnsGraceSeconds: 0, drainSeconds: 1, edgeTimeout: .milliseconds(200), edgeFlavors: ["clickos"])
        return LoopBed.loop(configuration, settings: settings, models: ["video1": .ema(span: 1)], edges: [edge], pools: try LoopBed.pools(configuration), store: store)
    }

    @Test func anIntervalCutShortByTheStopIsNeitherStoredNorPlannedOn() async throws {
        let loop = try makeLoop()
        let (feed, input) = AsyncStream.makeStream(of: IntervalSnapshot.self)
        input.yield(LoopBed.snapshot(0, lookups: 10))
        // 60 lookups in a whole interval would call for instances (`MemoryEdgeLoopTests`' surge);
        // here the stop came 0.4 s in, and the counter says so.
        var cut = LoopBed.snapshot(1, lookups: 60)
        cut.end = cut.start + 0.4
        cut.complete = false
        input.yield(cut)
        input.finish()
        await loop.run(snapshots: feed)

        #expect(await loop.intervalsClosed() == 1)
        #expect(try store.intervals(limit: 10).map(\.interval) == [0])
        #expect(try store.counts(of: "video1", limit: 10).map(\.lookups) == [10], "the partial count is not stored as an interval's")
        #expect(try store.intervals(limit: 10).flatMap(\.actions).isEmpty, "nothing was planned on it")
        #expect(await loop.members().isEmpty)
        let note = try #require(try store.events(limit: 20).first { $0.kind == "interval" })
        #expect(note.message.contains("cut short by the stop after 0.4 s of 2.0 s: its 60 lookups"), "\(note.message)")

        let restarted = try makeLoop()
        await restarted.resume()
        #expect(await restarted.intervalsClosed() == 1, "a restart resumes after the last whole interval")
    }

    @Test func everyRunTimeChangeOfAContentSurvivesARestartAndLaterChangesMergeIntoIt() async throws {
        let first = try makeLoop()
        await first.resume()
        try await first.updateContent("video1", ContentChange(policy: .reactive))
        try await first.updateContent("video1", ContentChange(capacity: 7))
        try await first.updateContent("video1", ContentChange(model: "ema:2", policy: .hybrid))
        try await first.updateContent("video1", ContentChange(flavors: ["clickos"]))
        let changed = try #require(await first.contents().first { $0.name == "video1" })

        let restarted = try makeLoop()
        await restarted.resume()
        let resumed = try #require(await restarted.contents().first { $0.name == "video1" })
        #expect(resumed.policy == .hybrid)
        #expect(resumed.capacity == 7)
        #expect(resumed.model == "ema:2")
        #expect(resumed.flavors == ["clickos"])
        #expect(resumed == changed)
        #expect(await restarted.decisions.planner.reacting.contains("video1"), "the restored policy is the one the loop plans with")
    }

    @Test func aLaterChangeReplacesOnlyTheFieldsItNames() {
        let earlier = ContentChange(capacity: 3, flavors: ["flask"], model: "ema:3", policy: .reactive)
        #expect(earlier.merged(with: ContentChange()) == earlier)
        #expect(earlier.merged(with: ContentChange(policy: .predictive)) == ContentChange(capacity: 3, flavors: ["flask"], model: "ema:3", policy: .predictive))
        #expect(ContentChange().merged(with: earlier) == earlier)
    }
}
